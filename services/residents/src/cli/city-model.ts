/**
 * The shape of the synthetic city: Wuhan's thirteen districts (GB/T 2260 codes) weighted by
 * resident population, with synthetic streets, communities and buildings under them. The codes
 * follow the administrative code scheme (district + 3-digit street + 3-digit community + 3-digit
 * building), numbered from 001 so that a grid of streets × communities is the same for every tool
 * that builds one (the load-test harness registers into `${district}${street}${community}` of the
 * same grid).
 */

export const CITY = { code: '4201', name: '武汉市' } as const;

export interface District {
  code: string;
  name: string;
  /** Resident population, in ten thousands (approximate). */
  weight: number;
}

export const WUHAN_DISTRICTS: readonly District[] = Object.freeze([
  { code: '420102', name: '江岸区', weight: 96 },
  { code: '420103', name: '江汉区', weight: 65 },
  { code: '420104', name: '硚口区', weight: 66 },
  { code: '420105', name: '汉阳区', weight: 84 },
  { code: '420106', name: '武昌区', weight: 129 },
  { code: '420107', name: '青山区', weight: 53 },
  { code: '420111', name: '洪山区', weight: 170 },
  { code: '420112', name: '东西湖区', weight: 60 },
  { code: '420113', name: '汉南区', weight: 14 },
  { code: '420114', name: '蔡甸区', weight: 55 },
  { code: '420115', name: '江夏区', weight: 97 },
  { code: '420116', name: '黄陂区', weight: 115 },
  { code: '420117', name: '新洲区', weight: 86 },
]);

const STREET_STEMS = [
  '大智',
  '一元',
  '车站',
  '四唯',
  '永清',
  '球场',
  '劳动',
  '二七',
  '新村',
  '丹水池',
  '后湖',
  '塔子湖',
  '谌家矶',
  '民族',
  '花楼',
  '水塔',
  '民权',
  '万松',
  '唐家墩',
  '常青',
  '北湖',
  '汉兴',
  '宝丰',
  '荣华',
  '汉正',
  '六角亭',
  '建桥',
  '鹦鹉',
  '洲头',
  '琴断口',
  '江堤',
  '永丰',
  '积玉桥',
  '杨园',
  '徐家棚',
  '水果湖',
  '中华路',
  '紫阳',
  '白沙洲',
  '首义',
  '红卫路',
  '青山',
  '冶金',
  '钢都',
  '厂前',
  '关山',
  '珞南',
  '狮子山',
  '张家湾',
  '卓刀泉',
  '洪山',
  '和平',
];
const COMMUNITY_STEMS = [
  '幸福',
  '和平',
  '建设',
  '民主',
  '友谊',
  '光明',
  '胜利',
  '新华',
  '长青',
  '团结',
  '东方',
  '红旗',
  '复兴',
  '永安',
  '花园',
  '桂园',
  '梅苑',
  '竹林',
  '金桥',
  '银河',
  '安居',
  '兴业',
  '惠民',
  '仁和',
  '百步亭',
  '滨江',
  '汉阳树',
  '南湖',
];

export const pad3 = (n: number) => String(n).padStart(3, '0');

export interface AreaRow {
  code: string;
  name: string;
  level: 'city' | 'district' | 'street' | 'community' | 'building';
}

/** Street s (1-based) of a district. */
export const streetCode = (district: string, s: number) => `${district}${pad3(s)}`;
/** Community c (1-based) of a street. */
export const communityCode = (street: string, c: number) => `${street}${pad3(c)}`;
/** Building b (1-based) of a community. */
export const buildingCode = (community: string, b: number) => `${community}${pad3(b)}`;

export function streetName(districtIndex: number, s: number): string {
  const stem = STREET_STEMS[(districtIndex * 7 + s - 1) % STREET_STEMS.length]!;
  const round = Math.floor((districtIndex * 7 + s - 1) / STREET_STEMS.length);
  return `${stem}${round > 0 ? ['东', '西', '南', '北'][round % 4] : ''}街道`;
}

export function communityName(s: number, c: number): string {
  const stem = COMMUNITY_STEMS[(s * 5 + c - 1) % COMMUNITY_STEMS.length]!;
  return `${stem}${c > COMMUNITY_STEMS.length ? c : ''}社区`;
}

/**
 * The area rows of a city grid, parents first: the city, the districts, `streetsPerDistrict`
 * streets each, `communitiesPerStreet` communities each and `buildings(community)` buildings in
 * each community. This is what the load-test harness must import before it registers people into
 * `${district}${pad3(s)}${pad3(c)}` (s ≤ streets, c ≤ communities).
 */
export function wuhanAreaRows(options: {
  districts?: readonly string[];
  streetsPerDistrict: number;
  communitiesPerStreet: number;
  buildings?: (community: string) => number;
}): AreaRow[] {
  const wanted = options.districts ? new Set(options.districts) : undefined;
  const rows: AreaRow[] = [{ code: CITY.code, name: CITY.name, level: 'city' }];
  WUHAN_DISTRICTS.forEach((district, d) => {
    if (wanted && !wanted.has(district.code)) return;
    rows.push({ code: district.code, name: district.name, level: 'district' });
    for (let s = 1; s <= options.streetsPerDistrict; s++) {
      const street = streetCode(district.code, s);
      rows.push({ code: street, name: streetName(d, s), level: 'street' });
      for (let c = 1; c <= options.communitiesPerStreet; c++) {
        const community = communityCode(street, c);
        rows.push({ code: community, name: communityName(s, c), level: 'community' });
        const buildings = options.buildings?.(community) ?? 0;
        for (let b = 1; b <= buildings; b++) {
          rows.push({ code: buildingCode(community, b), name: `${b}栋`, level: 'building' });
        }
      }
    }
  });
  return rows;
}

/** Pools the synthetic people draw from (generator and load tests alike). */
export const ROADS: readonly string[] = [
  '解放大道',
  '中山大道',
  '建设大道',
  '武珞路',
  '珞喻路',
  '汉阳大道',
  '江汉路',
  '和平大道',
  '友谊大道',
  '黄浦大街',
  '光谷大道',
  '民族大道',
  '雄楚大道',
  '沿江大道',
];

export const SKILLS: readonly string[] = [
  '电工',
  '焊工',
  '家政服务',
  '育婴师',
  '养老护理',
  '中式烹调',
  '面点师',
  '叉车司机',
  '网约车驾驶',
  '快递分拣',
  '电子商务',
  '计算机操作',
  '会计',
  '物业管理',
  '美容美发',
  '保安',
  '仓储管理',
  '汽车维修',
  '直播销售',
  '茶艺师',
];

export const OCCUPATIONS: readonly string[] = [
  '装配工',
  '营业员',
  '厨师',
  '保洁员',
  '快递员',
  '司机',
  '文员',
  '仓管员',
  '收银员',
  '护工',
];
