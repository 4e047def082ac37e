export {
  type Certificate,
  type CertificateRecord,
  type Household,
  type HouseholdRecord,
  PEOPLE_COLLECTIONS,
  PeopleProjection,
  type Person,
  type PersonRecord,
} from './people.ts';
export {
  PLACEMENTS_COLLECTION,
  type Placement,
  type PlacementRecord,
  PlacementsProjection,
} from './placements.ts';
