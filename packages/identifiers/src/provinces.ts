/**
 * Province-level codes of GB/T 2260 (the first two digits of an administrative division code):
 * the 34 province-level divisions, including Taiwan (71), Hong Kong (81) and Macau (82), which the
 * standard lists although no mainland body issues area codes below them.
 */
export const PROVINCE_CODES: ReadonlyMap<string, string> = new Map([
  ['11', 'Beijing'],
  ['12', 'Tianjin'],
  ['13', 'Hebei'],
  ['14', 'Shanxi'],
  ['15', 'Inner Mongolia'],
  ['21', 'Liaoning'],
  ['22', 'Jilin'],
  ['23', 'Heilongjiang'],
  ['31', 'Shanghai'],
  ['32', 'Jiangsu'],
  ['33', 'Zhejiang'],
  ['34', 'Anhui'],
  ['35', 'Fujian'],
  ['36', 'Jiangxi'],
  ['37', 'Shandong'],
  ['41', 'Henan'],
  ['42', 'Hubei'],
  ['43', 'Hunan'],
  ['44', 'Guangdong'],
  ['45', 'Guangxi'],
  ['46', 'Hainan'],
  ['50', 'Chongqing'],
  ['51', 'Sichuan'],
  ['52', 'Guizhou'],
  ['53', 'Yunnan'],
  ['54', 'Tibet'],
  ['61', 'Shaanxi'],
  ['62', 'Gansu'],
  ['63', 'Qinghai'],
  ['64', 'Ningxia'],
  ['65', 'Xinjiang'],
  ['71', 'Taiwan'],
  ['81', 'Hong Kong'],
  ['82', 'Macau'],
]);

export function isProvinceCode(code: string): boolean {
  return PROVINCE_CODES.has(code);
}
