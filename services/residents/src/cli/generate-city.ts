// Generates a synthetic city for the registry: the area tree (areas.jsonl) and households with
// their people (households.jsonl, and households.csv with --csv), at a chosen number of people.
// The people are made up but pass every registration rule (valid GB 11643 numbers, ages that fit
// their statuses): keep them to test environments.
// usage: node generate-city.ts --scale <people> --out <dir> [--seed N] [--streets-per-district 10]
//        [--communities-per-street 8] [--households-per-building 40] [--as-of YYYY-MM-DD] [--csv]
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createNationalIdGenerator, createSeededRandom } from '@employment/identifiers';
import {
  buildingCode,
  communityCode,
  OCCUPATIONS,
  ROADS,
  SKILLS,
  streetCode,
  WUHAN_DISTRICTS,
  wuhanAreaRows,
} from './city-model.ts';

const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文',
];
const GIVEN_MALE = [
  '伟',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '杰',
  '涛',
  '明',
  '超',
  '刚',
  '建华',
  '斌',
  '浩',
  '宇',
  '子轩',
  '俊杰',
  '晓东',
  '志强',
  '鹏',
  '辉',
  '波',
  '建国',
  '国庆',
];
const GIVEN_FEMALE = [
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '艳',
  '娟',
  '秀英',
  '华',
  '平',
  '桂英',
  '玲',
  '婷',
  '雪',
  '欣怡',
  '梓涵',
  '海燕',
  '红梅',
  '丹',
  '莉',
  '慧',
  '佳',
  '琳',
  '秀兰',
];
/** Other provinces' districts, for people born elsewhere. */
const ELSEWHERE = [
  '110105',
  '310115',
  '320102',
  '330106',
  '360102',
  '410105',
  '430103',
  '440106',
  '500103',
  '510107',
  '610113',
];

type Relation = 'head' | 'spouse' | 'child' | 'child-in-law' | 'parent' | 'grandchild' | 'other';
interface Member {
  nationalId: string;
  fullName: string;
  relation: Relation;
  employmentStatus: string;
  phone?: string;
  education?: string;
  workCapacity?: string;
  hardshipCategories?: string[];
  skills?: string[];
  occupation?: string;
}
interface Household {
  id: string;
  communityCode: string;
  buildingCode: string;
  address: string;
  members: Member[];
}

const { values } = parseArgs({
  options: {
    scale: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string', default: '20061' },
    'streets-per-district': { type: 'string', default: '10' },
    'communities-per-street': { type: 'string', default: '8' },
    'households-per-building': { type: 'string', default: '40' },
    'as-of': { type: 'string' },
    csv: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help || !values.scale || !values.out) {
  process.stderr.write(
    'usage: scripts/generate-city --scale <people> --out <dir> [--seed N] [--streets-per-district 10]\n' +
      '       [--communities-per-street 8] [--households-per-building 40] [--as-of YYYY-MM-DD] [--csv]\n',
  );
  process.exit(values.help ? 0 : 2);
}
const scale = Number(values.scale);
const seed = Number(values.seed);
const streets = Number(values['streets-per-district']);
const communitiesPerStreet = Number(values['communities-per-street']);
const perBuilding = Number(values['households-per-building']);
if (![scale, seed, streets, communitiesPerStreet, perBuilding].every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write('--scale, --seed and the grid sizes must be positive integers\n');
  process.exit(2);
}
if (streets > 999 || communitiesPerStreet > 999) {
  process.stderr.write('at most 999 streets per district and 999 communities per street\n');
  process.exit(2);
}
const asOf = values['as-of'] ?? new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const outDir = values.out;
mkdirSync(outDir, { recursive: true });

const random = createSeededRandom(seed);
const ids = createNationalIdGenerator(seed, { regionCodes: WUHAN_DISTRICTS.map((d) => d.code) });
const rand = (below: number) => Math.floor(random() * below);
const pick = <T>(list: readonly T[]): T => list[rand(list.length)]!;
const chance = (p: number) => random() < p;
function weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}
const uuid = () => {
  const hex = Array.from({ length: 32 }, () => rand(16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[rand(4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

const asOfYear = Number(asOf.slice(0, 4));
/** A birth date for someone who is `age` on the as-of date. */
function birthDateFor(age: number): string {
  const year = asOfYear - age - 1;
  const day = new Date(Date.UTC(year, 0, 1) + rand(365) * 86_400_000);
  const date = day
    .toISOString()
    .slice(0, 10)
    .replace(/-02-29$/, '-02-28');
  // Whole years on the as-of date must equal `age`: a birthday already past this year is a year later.
  return date.slice(5) <= asOf.slice(5) ? `${year + 1}${date.slice(4)}` : date;
}

/** What a person of an age and sex does, drawn at roughly urban rates for a city in restructuring. */
function statusFor(age: number, sex: 'male' | 'female'): string {
  if (age < 16) return age >= 6 ? 'student' : 'not-in-labour-force';
  if (age < 22 && chance(0.7)) return 'student';
  const retirement = sex === 'male' ? 60 : 50;
  if (age >= retirement) return chance(0.9) ? 'retired' : 'flexibly-employed';
  return weighted([
    ['employed', 52],
    ['flexibly-employed', 10],
    ['self-employed', 6],
    ['unemployed', 16],
    ['laid-off', 6],
    ['not-in-labour-force', 10],
  ] as const);
}

function person(
  relation: Relation,
  age: number,
  sex: 'male' | 'female',
  surname: string,
  district: string,
  hardship: { minimumLivingAllowance: boolean },
): Member {
  const birthDate = birthDateFor(age);
  const nationalId = ids.next({ regionCode: chance(0.85) ? district : pick(ELSEWHERE), birthDate, sex });
  const status = statusFor(age, sex);
  const member: Member = {
    nationalId,
    fullName:
      surname + pick(sex === 'male' ? GIVEN_MALE : GIVEN_FEMALE) + (chance(0.25) ? pick(GIVEN_MALE) : ''),
    relation,
    employmentStatus: status,
  };
  if (age >= 18) {
    member.phone = `1${3 + rand(7)}${String(rand(1e9)).padStart(9, '0')}`;
    member.education = weighted([
      ['primary', age > 55 ? 20 : 3],
      ['junior-secondary', 24],
      ['senior-secondary', 20],
      ['vocational-secondary', 13],
      ['junior-college', 17],
      ['bachelor', age > 55 ? 5 : 20],
      ['postgraduate', 3],
    ] as const);
  }
  const categories = new Set<string>();
  const capacity =
    age >= 16
      ? weighted([
          ['full', 95.5],
          ['partial', 3],
          ['none', 1.5],
        ] as const)
      : 'full';
  if (capacity !== 'full') {
    member.workCapacity = capacity;
    categories.add('disabled');
  }
  if (hardship.minimumLivingAllowance) categories.add('minimum-living-allowance');
  if ((status === 'unemployed' || status === 'laid-off') && chance(0.3))
    categories.add('long-term-unemployed');
  if (status === 'laid-off' && age >= 40 && chance(0.4)) categories.add('released-state-enterprise-worker');
  if (categories.size > 0) member.hardshipCategories = [...categories].sort();
  if (age >= 18 && status !== 'student') {
    const skills = new Set<string>();
    const count = rand(4);
    while (skills.size < count) skills.add(pick(SKILLS));
    if (skills.size > 0) member.skills = [...skills];
    if (status === 'employed' || status === 'self-employed' || chance(0.2))
      member.occupation = pick(OCCUPATIONS);
  }
  return member;
}

/** One household: a head, often a spouse, children, sometimes a parent of the head. */
function household(district: string, community: string, building: string, roadNo: number): Household {
  const size = weighted([
    [1, 14],
    [2, 30],
    [3, 31],
    [4, 15],
    [5, 7],
    [6, 3],
  ] as const);
  const surname = pick(SURNAMES);
  const headSex: 'male' | 'female' = chance(0.7) ? 'male' : 'female';
  const headAge = 24 + rand(52);
  const hardship = { minimumLivingAllowance: chance(0.03) };
  const members: Member[] = [person('head', headAge, headSex, surname, district, hardship)];
  if (size >= 2 && chance(0.88)) {
    const spouseAge = Math.max(20, headAge + rand(9) - 4);
    members.push(
      person('spouse', spouseAge, headSex === 'male' ? 'female' : 'male', pick(SURNAMES), district, hardship),
    );
  }
  if (size >= 5 && headAge < 50) {
    members.push(
      person('parent', headAge + 25 + rand(8), chance(0.5) ? 'male' : 'female', surname, district, hardship),
    );
  }
  while (members.length < size) {
    const childAge = headAge - 22 - rand(14);
    if (childAge < 0) {
      members.push(
        person('other', 18 + rand(40), chance(0.5) ? 'male' : 'female', pick(SURNAMES), district, hardship),
      );
      continue;
    }
    members.push(person('child', childAge, chance(0.52) ? 'male' : 'female', surname, district, hardship));
  }
  const districtName = WUHAN_DISTRICTS.find((d) => d.code === district)!.name;
  return {
    id: uuid(),
    communityCode: community,
    buildingCode: building,
    address: `武汉市${districtName}${pick(ROADS)}${roadNo}号${Number(building.slice(12))}栋${1 + rand(6)}单元${1 + rand(30)}0${1 + rand(4)}`,
    members,
  };
}

// How many households each community gets: people by district weight, about 2.6 per household.
const totalWeight = WUHAN_DISTRICTS.reduce((s, d) => s + d.weight, 0);
const householdsWanted = Math.ceil(scale / 2.6);
const perCommunity = new Map<string, number>();
for (const district of WUHAN_DISTRICTS) {
  const share = Math.round((householdsWanted * district.weight) / totalWeight);
  const communities = streets * communitiesPerStreet;
  for (let i = 0; i < communities; i++) {
    const code = communityCode(
      streetCode(district.code, 1 + Math.floor(i / communitiesPerStreet)),
      1 + (i % communitiesPerStreet),
    );
    perCommunity.set(code, Math.floor(share / communities) + (i < share % communities ? 1 : 0));
  }
}
const buildingsOf = (community: string) =>
  Math.min(999, Math.max(1, Math.ceil((perCommunity.get(community) ?? 0) / perBuilding)));

const areas = wuhanAreaRows({ streetsPerDistrict: streets, communitiesPerStreet, buildings: buildingsOf });
writeFileSync(join(outDir, 'areas.jsonl'), `${areas.map((a) => JSON.stringify(a)).join('\n')}\n`);

const jsonl = createWriteStream(join(outDir, 'households.jsonl'));
const csv = values.csv ? createWriteStream(join(outDir, 'households.csv')) : undefined;
const CSV_COLUMNS = [
  'householdId',
  'communityCode',
  'buildingCode',
  'address',
  'relation',
  'nationalId',
  'fullName',
  'employmentStatus',
  'phone',
  'education',
  'workCapacity',
  'hardshipCategories',
  'skills',
  'occupation',
] as const;
const csvCell = (v: unknown) => {
  const text = Array.isArray(v) ? v.join(';') : v === undefined ? '' : String(v);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
csv?.write(`${CSV_COLUMNS.join(',')}\n`);

const write = (stream: NodeJS.WritableStream, text: string) =>
  stream.write(text)
    ? Promise.resolve()
    : new Promise<void>((resolve) => stream.once('drain', () => resolve()));

let people = 0;
let households = 0;
const byStatus: Record<string, number> = {};
outer: for (const [community, count] of perCommunity) {
  const district = community.slice(0, 6);
  const buildings = buildingsOf(community);
  for (let h = 0; h < count; h++) {
    if (people >= scale) break outer;
    const row = household(district, community, buildingCode(community, 1 + (h % buildings)), 1 + rand(400));
    row.members = row.members.slice(0, scale - people);
    people += row.members.length;
    households++;
    for (const m of row.members) byStatus[m.employmentStatus] = (byStatus[m.employmentStatus] ?? 0) + 1;
    await write(jsonl, `${JSON.stringify(row)}\n`);
    if (csv) {
      for (const m of row.members) {
        const cells = {
          householdId: row.id,
          communityCode: row.communityCode,
          buildingCode: row.buildingCode,
          address: row.address,
          ...m,
        };
        await write(
          csv,
          `${CSV_COLUMNS.map((c) => csvCell((cells as Record<string, unknown>)[c])).join(',')}\n`,
        );
      }
    }
  }
}
await new Promise<void>((resolve) => jsonl.end(() => resolve()));
if (csv) await new Promise<void>((resolve) => csv.end(() => resolve()));

const summary = {
  seed,
  asOf,
  people,
  households,
  areas: {
    total: areas.length,
    districts: areas.filter((a) => a.level === 'district').length,
    streets: areas.filter((a) => a.level === 'street').length,
    communities: areas.filter((a) => a.level === 'community').length,
    buildings: areas.filter((a) => a.level === 'building').length,
  },
  byEmploymentStatus: byStatus,
  files: ['areas.jsonl', 'households.jsonl', ...(csv ? ['households.csv'] : [])],
};
writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(summary)}\n`);
if (people < scale) {
  process.stderr.write(
    `note: the grid holds ${people} people at these sizes; raise --communities-per-street for more\n`,
  );
}
