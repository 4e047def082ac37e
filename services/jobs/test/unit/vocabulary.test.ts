import { labelKey, SkillVocabulary } from '../../src/domain/skills.ts';

describe('the occupation and skill vocabulary', () => {
  const vocabulary = SkillVocabulary.bundled();

  it('ships a few hundred concepts, each with an English and a Chinese label', () => {
    expect(vocabulary.size).toBeGreaterThanOrEqual(200);
    for (const concept of vocabulary.search('', { limit: 10_000 })) {
      expect(concept.en).toMatch(/[a-z]/i);
      expect(concept.zh).toMatch(/\p{Script=Han}/u);
    }
  });

  it.each([
    ['电焊', 'welding'],
    ['焊接', 'Arc Welding'],
    ['叉车', 'forklift driving'],
    ['养老护理', 'elderly care'],
    ['保洁', 'cleaning'],
    ['保安', 'security guarding'],
    ['中式烹调', 'cooking'],
    ['收银', 'till operation'],
    ['电脑操作', 'basic computer skills'],
    ['C1驾照', 'c1 licence'],
  ])('when a skill is written "%s" or "%s", then both name the same concept', (zh, en) => {
    const a = vocabulary.resolve(zh);
    expect(a).toBeDefined();
    expect(vocabulary.resolve(en)?.id).toBe(a?.id);
  });

  it('normalises full-width letters, case, spaces and punctuation', () => {
    expect(labelKey('ＦＯＲＫＬＩＦＴ－Driving')).toBe(labelKey('forklift driving'));
    expect(vocabulary.resolve('ＦＯＲＫＬＩＦＴ　DRIVING')?.id).toBe('skill.forklift');
  });

  it('when an occupation is declared, then the skills of the trade come with it', () => {
    const have = vocabulary.expand(['焊工']);
    expect(have.has('occupation.welder')).toBe(true);
    expect(have.has('skill.welding')).toBe(true);
  });

  it('when a vacancy asks for an occupation as a skill, then a person with all its skills covers it', () => {
    expect(vocabulary.covers(vocabulary.expand(['电焊', '气焊']), 'occupation.welder')).toBe(true);
    expect(vocabulary.covers(vocabulary.expand(['电焊']), 'occupation.welder')).toBe(false);
  });

  it('keeps an unknown label as text that meets only the same words', () => {
    const ref = vocabulary.ref('Underwater basket weaving');
    expect(ref.known).toBe(false);
    expect(vocabulary.expand(['underwater  basket-weaving']).has(ref.concept)).toBe(true);
  });

  it('refuses a vocabulary where one label names two concepts', () => {
    expect(
      () =>
        new SkillVocabulary([
          { id: 'skill.a', kind: 'skill', group: 'x', en: 'a', zh: '甲', synonyms: ['same'] },
          { id: 'skill.b', kind: 'skill', group: 'x', en: 'b', zh: '乙', synonyms: ['SAME'] },
        ]),
    ).toThrow(/names both/);
  });
});
