import { NATIONAL_ID_PATTERN_GLOBAL, scrubNationalIds } from '../../src/index.ts';

const ID = '11010519491231002X';
const MASKED = '110105********002X';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const EPOCH_MS = '1717214400000';

describe('scrubNationalIds', () => {
  it('when a log line holds an ID inside JSON next to a trace id and a timestamp, then only the ID is masked', () => {
    const line = `{"level":"info","time":${EPOCH_MS},"trace_id":"${TRACE_ID}","message":"registered","resident":{"idNumber":"${ID}"}}`;
    expect(scrubNationalIds(line)).toBe(
      `{"level":"info","time":${EPOCH_MS},"trace_id":"${TRACE_ID}","message":"registered","resident":{"idNumber":"${MASKED}"}}`,
    );
  });

  it('when a hexadecimal trace id contains a run of 18 digits, then it is left alone', () => {
    const traceId = 'ab110105194912310021cdef01234567';
    expect(traceId).toHaveLength(32);
    expect(scrubNationalIds(`trace_id=${traceId}`)).toBe(`trace_id=${traceId}`);
  });

  it('when a trace id is made of digits only, then the 32-digit run is left alone', () => {
    const traceId = '12345678901234567890123456789012';
    expect(scrubNationalIds(`"trace_id":"${traceId}"`)).toBe(`"trace_id":"${traceId}"`);
  });

  it('when numbers are longer or shorter than 18 digits, then they are left alone', () => {
    const text =
      'order 1101051949123100211 (19 digits), snowflake 9110105194912310021, ref 11010519491231002';
    expect(scrubNationalIds(text)).toBe(text);
  });

  it('when an ID sits against Chinese text or punctuation, then it is masked', () => {
    expect(scrubNationalIds(`身份证号${ID}，请核对`)).toBe(`身份证号${MASKED}，请核对`);
    expect(scrubNationalIds(`(${ID})`)).toBe(`(${MASKED})`);
    expect(scrubNationalIds(`scan_${ID}.pdf`)).toBe(`scan_${MASKED}.pdf`);
  });

  it('when the check character is a lower-case x, then it is masked as well', () => {
    expect(scrubNationalIds('id=11010519491231002x')).toBe(`id=${MASKED}`);
  });

  it('when the check digit is wrong, then the number is masked anyway because a mistyped ID is still personal data', () => {
    expect(scrubNationalIds('id=110105194912310021')).toBe('id=110105********0021');
  });

  it('when a line holds several IDs, then each is masked', () => {
    const other = '440305198507150313';
    expect(scrubNationalIds(`${ID},${other}`)).toBe(`${MASKED},440305********0313`);
  });

  it('when an ID follows a JSON escape such as \\n or \\u4e2d, then it is still masked', () => {
    expect(scrubNationalIds(`{"err":"invalid input:\\n${ID}\\n"}`)).toBe(
      `{"err":"invalid input:\\n${MASKED}\\n"}`,
    );
    expect(scrubNationalIds(`{"msg":"\\u53f7${ID}"}`)).toBe(`{"msg":"\\u53f7${MASKED}"}`);
  });

  it('when an ID-shaped run is glued to letters, then it is not treated as an ID', () => {
    const text = `user${ID}abc`;
    expect(scrubNationalIds(text)).toBe(text);
  });

  it('when scrubbing repeatedly, then the global pattern state does not leak between calls', () => {
    const line = `a ${ID} b`;
    const first = scrubNationalIds(line);
    expect(scrubNationalIds(line)).toBe(first);
    expect(scrubNationalIds(first)).toBe(first);
    expect(first).not.toContain(ID);
  });
});

describe('NATIONAL_ID_PATTERN_GLOBAL', () => {
  it('when used with matchAll, then it finds every ID and nothing else', () => {
    const text = `${EPOCH_MS} ${TRACE_ID} ${ID} 9${ID} 440305198507150313`;
    expect([...text.matchAll(NATIONAL_ID_PATTERN_GLOBAL)].map((m) => m[0])).toEqual([
      ID,
      '440305198507150313',
    ]);
    expect(NATIONAL_ID_PATTERN_GLOBAL.flags).toContain('g');
  });
});
