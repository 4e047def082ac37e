import { createNationalIdGenerator, createSeededRandom } from '@employment/identifiers';
import {
  type District,
  OCCUPATIONS,
  ROADS,
  SKILLS,
  WUHAN_DISTRICTS,
} from '../../services/residents/src/cli/city-model.ts';

/**
 * The city of the scenario: Wuhan's thirteen districts (GB/T 2260 codes), each weighted by its
 * resident population (about, in ten thousands), with synthetic streets and communities under
 * them, and synthetic people who pass every registration rule. The people are made up: keep them
 * to test and load-test environments.
 */
export type { District };
export { WUHAN_DISTRICTS };

/** A district system calling the API with its own token. */
export interface Client {
  clientId: string;
  district: District;
  token: string;
}

/** What POST /v1/residents takes (see services/residents/src/openapi.ts). */
export interface Registration {
  nationalId: string;
  fullName: string;
  communityCode: string;
  employmentStatus: string;
  phone?: string;
  address?: string;
  education?: string;
  workCapacity?: string;
  hardshipCategories?: string[];
  skills?: string[];
  occupation?: string;
}

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文';
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '华',
  '平',
  '刚',
  '桂英',
  '建华',
  '文',
  '斌',
  '玲',
  '婷',
  '雪',
  '浩',
  '宇',
  '欣怡',
  '子轩',
  '梓涵',
  '俊杰',
  '晓东',
  '海燕',
  '红梅',
  '志强',
  '丹',
  '鹏',
  '辉',
  '波',
  '莉',
  '慧',
  '佳',
  '琳',
];
const EDUCATION = [
  ['primary', 4],
  ['junior-secondary', 22],
  ['senior-secondary', 20],
  ['vocational-secondary', 14],
  ['junior-college', 18],
  ['bachelor', 19],
  ['postgraduate', 3],
] as const;
const STATUSES = [
  ['unemployed', 45],
  ['laid-off', 10],
  ['flexibly-employed', 15],
  ['employed', 20],
  ['self-employed', 5],
  ['not-in-labour-force', 5],
] as const;

function weighted<T>(random: () => number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let pick = random() * total;
  for (const [item, w] of items) {
    pick -= w;
    if (pick < 0) return item;
  }
  return items[items.length - 1]![0];
}

const pad3 = (n: number) => String(n).padStart(3, '0');

/** The city's communities, the people in it and the district clients that register them. */
export class City {
  readonly districts: readonly District[];
  readonly communities: ReadonlyMap<string, readonly string[]>;
  private readonly random: () => number;
  private readonly ids: ReturnType<typeof createNationalIdGenerator>;
  private readonly districtPick: (readonly [District, number])[];

  constructor(options: {
    seed: number;
    districts?: readonly string[];
    streetsPerDistrict: number;
    communitiesPerStreet: number;
  }) {
    const wanted = options.districts ? new Set(options.districts) : undefined;
    this.districts = WUHAN_DISTRICTS.filter((d) => !wanted || wanted.has(d.code));
    if (this.districts.length === 0) throw new RangeError('no known district selected');
    const communities = new Map<string, string[]>();
    for (const d of this.districts) {
      const codes: string[] = [];
      for (let s = 1; s <= options.streetsPerDistrict; s++) {
        for (let c = 1; c <= options.communitiesPerStreet; c++) codes.push(`${d.code}${pad3(s)}${pad3(c)}`);
      }
      communities.set(d.code, codes);
    }
    this.communities = communities;
    this.random = createSeededRandom(options.seed);
    // Most registrants were born in the city; some came from elsewhere (the generator's national mix).
    this.ids = createNationalIdGenerator(options.seed);
    this.districtPick = this.districts.map((d) => [d, d.weight] as const);
  }

  /** A district, drawn by population. */
  pickDistrict(): District {
    return weighted(this.random, this.districtPick);
  }

  pickCommunity(district: District): string {
    const list = this.communities.get(district.code)!;
    return list[Math.floor(this.random() * list.length)]!;
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  /** A new person of a community of `district`: a valid national ID never handed out before. */
  person(district: District): Registration {
    const r = this.random;
    const regionCode = r() < 0.8 ? district.code : undefined;
    const nationalId = this.ids.next(regionCode ? { regionCode } : {});
    const surname = SURNAMES[Math.floor(r() * SURNAMES.length)]!;
    const registration: Registration = {
      nationalId,
      fullName: surname + this.pick(GIVEN) + (r() < 0.3 ? this.pick(GIVEN) : ''),
      communityCode: this.pickCommunity(district),
      employmentStatus: weighted(r, STATUSES),
      phone: `1${3 + Math.floor(r() * 7)}${String(Math.floor(r() * 1e9)).padStart(9, '0')}`,
      address: `武汉市${district.name}${this.pick(ROADS)}${1 + Math.floor(r() * 400)}号`,
      education: weighted(r, EDUCATION),
      workCapacity: r() < 0.95 ? 'full' : 'partial',
    };
    const skills = new Set<string>();
    const count = Math.floor(r() * 4);
    while (skills.size < count) skills.add(this.pick(SKILLS));
    if (skills.size > 0) registration.skills = [...skills];
    const hardship = r();
    if (hardship < 0.1) registration.hardshipCategories = ['long-term-unemployed'];
    else if (hardship < 0.13) registration.hardshipCategories = ['disabled'];
    else if (hardship < 0.15) registration.hardshipCategories = ['minimum-living-allowance'];
    if (registration.employmentStatus === 'employed' || r() < 0.3)
      registration.occupation = this.pick(OCCUPATIONS);
    return registration;
  }

  /**
   * The client ids of a run: each carries the run id (the run's marker) and names its district.
   * They all start with `load-`, the prefix the platform's configuration gives its load quota
   * (RATE_LIMIT_CLIENT_QUOTAS, scripts/lib/platform.sh).
   */
  clientIds(runId: string, clientsPerDistrict: number): Array<{ clientId: string; district: District }> {
    return this.districts.flatMap((district) =>
      Array.from({ length: clientsPerDistrict }, (_, i) => ({
        clientId: `load-${runId}-district-${district.code}-${i + 1}`,
        district,
      })),
    );
  }
}
