import { CATEGORIES, CATEGORY_IDS, type Category, type CategoryId } from './categories.js';
import { CLAUSES } from './clauses.js';
import { DEFAULT_MINIMUM_AGE, MINIMUM_AGES, type MinimumAge } from './minimum-ages.js';

/** Bumped whenever the schedule or a clause's meaning changes. */
export const POLICY_VERSION = '2026-11-29';

type RetentionJson =
  | { days: number }
  | { monthsAfterTermination: number }
  | { defaultDays: number; customerSet: true; notStoredOption: true; minDays: number; maxDays: number };

export interface PolicyCategoryJson {
  id: CategoryId;
  clause: string;
  retention: RetentionJson;
  name: Category['name'];
  fields: readonly string[];
  purpose: Category['purpose'];
  legalBasis: Category['legalBasis'];
  /** P6: how long deleted data stays restorable from backups. */
  backup: Category['backup'];
}

export interface PolicyDocument {
  version: string;
  categories: PolicyCategoryJson[];
  clauses: (typeof CLAUSES)[keyof typeof CLAUSES][];
  /** D4: the minimum age of digital consent per jurisdiction, each with its source. */
  minimumAges: Record<string, MinimumAge>;
  /** D4: what applies to an assigned ISO 3166-1 alpha-2 code `minimumAges` lacks. */
  defaultMinimumAge: MinimumAge;
}

function retentionJson(category: Category): RetentionJson {
  const retention = category.retention;
  switch (retention.kind) {
    case 'days':
      return { days: retention.days };
    case 'monthsAfterTermination':
      return { monthsAfterTermination: retention.months };
    case 'customerSet':
      return {
        defaultDays: retention.defaultDays,
        customerSet: true,
        notStoredOption: true,
        minDays: retention.minDays,
        maxDays: retention.maxDays,
      };
  }
}

/** The JSON of `GET /policy` (docs/api.md): the retention schedule, rendered from the same data enforcement uses. */
export function policyDocument(): PolicyDocument {
  return {
    version: POLICY_VERSION,
    categories: CATEGORY_IDS.map((id) => {
      const category = CATEGORIES[id];
      return {
        id,
        clause: category.clause,
        retention: retentionJson(category),
        name: category.name,
        fields: category.fields,
        purpose: category.purpose,
        legalBasis: category.legalBasis,
        backup: category.backup,
      };
    }),
    clauses: Object.values(CLAUSES),
    minimumAges: { ...MINIMUM_AGES },
    defaultMinimumAge: DEFAULT_MINIMUM_AGE,
  };
}
