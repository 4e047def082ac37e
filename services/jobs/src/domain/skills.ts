import vocabularyData from '../../data/skills.json' with { type: 'json' };

/** One entry of the occupation and skill vocabulary (data/skills.json). */
export interface Concept {
  id: string;
  kind: 'skill' | 'occupation';
  group: string;
  en: string;
  zh: string;
  synonyms: string[];
  /** Occupations only: the skills the trade implies (a welder can weld). */
  skills?: string[];
}

/**
 * A skill or occupation as written on a vacancy or a profile, with the concept it names: a
 * vocabulary id, or `text:<key>` for a label the vocabulary does not know (it then meets only the
 * same words).
 */
export interface SkillRef {
  label: string;
  concept: string;
  known: boolean;
}

/**
 * The comparison key of a label: NFKC (full-width to ASCII), lower case, spaces and punctuation
 * removed, so that "Forklift-driving", "forklift driving" and "ＦＯＲＫＬＩＦＴ ＤＲＩＶＩＮＧ" meet.
 */
export function labelKey(label: string): string {
  return label
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\-_/·.,，、()（）'’:;；]+/gu, '');
}

/**
 * The vocabulary that lets "电焊" and "welding" meet: every concept has an English and a Chinese
 * label and synonyms in both languages; no label names two concepts.
 */
export class SkillVocabulary {
  private readonly byId = new Map<string, Concept>();
  private readonly byKey = new Map<string, Concept>();

  constructor(concepts: readonly Concept[]) {
    for (const concept of concepts) {
      if (this.byId.has(concept.id)) throw new Error(`vocabulary: concept ${concept.id} appears twice`);
      this.byId.set(concept.id, concept);
      for (const label of [concept.en, concept.zh, ...concept.synonyms]) {
        const key = labelKey(label);
        if (!key) continue;
        const other = this.byKey.get(key);
        if (other && other.id !== concept.id) {
          throw new Error(`vocabulary: "${label}" names both ${other.id} and ${concept.id}`);
        }
        this.byKey.set(key, concept);
      }
    }
    for (const concept of concepts) {
      for (const skill of concept.skills ?? []) {
        if (this.byId.get(skill)?.kind !== 'skill')
          throw new Error(`vocabulary: ${concept.id} implies unknown skill ${skill}`);
      }
    }
  }

  /** The vocabulary shipped with the service. */
  static bundled(): SkillVocabulary {
    return new SkillVocabulary(vocabularyData.concepts as Concept[]);
  }

  get size(): number {
    return this.byId.size;
  }

  concept(id: string): Concept | undefined {
    return this.byId.get(id);
  }

  /** The concept a label names, if the vocabulary knows it. */
  resolve(label: string): Concept | undefined {
    return this.byKey.get(labelKey(label));
  }

  ref(label: string): SkillRef {
    const concept = this.resolve(label);
    const trimmed = label.trim();
    return concept
      ? { label: trimmed, concept: concept.id, known: true }
      : { label: trimmed, concept: `text:${labelKey(label)}`, known: false };
  }

  /**
   * Everything a person can show: the concepts of their declared skills and occupation, plus the
   * skills those occupations imply.
   */
  expand(labels: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (const label of labels) {
      if (!label.trim()) continue;
      const ref = this.ref(label);
      out.add(ref.concept);
      for (const implied of this.byId.get(ref.concept)?.skills ?? []) out.add(implied);
    }
    return out;
  }

  /**
   * True when a person's concepts meet a requirement: the concept itself, or for an occupation
   * required as a skill ("an electrician"), every skill the occupation implies.
   */
  covers(have: ReadonlySet<string>, required: string): boolean {
    if (have.has(required)) return true;
    const implied = this.byId.get(required)?.skills;
    return implied !== undefined && implied.length > 0 && implied.every((s) => have.has(s));
  }

  /** "welding (电焊)" for a concept id, the label as written for an unknown one. */
  describe(ref: SkillRef): string {
    const concept = this.byId.get(ref.concept);
    return concept ? `${concept.en} (${concept.zh})` : ref.label;
  }

  /** Concepts whose labels contain `query` (by comparison key), for look-ups and autocompletion. */
  search(query: string, options: { kind?: Concept['kind']; limit: number }): Concept[] {
    const key = labelKey(query);
    const out: Concept[] = [];
    for (const concept of this.byId.values()) {
      if (options.kind && concept.kind !== options.kind) continue;
      if (
        !key ||
        [concept.en, concept.zh, ...concept.synonyms].some((l) => labelKey(l).includes(key)) ||
        concept.id.includes(key)
      ) {
        out.push(concept);
        if (out.length >= options.limit) break;
      }
    }
    return out;
  }
}
