import type { ResidentDocument } from '../data-access/models.ts';

export interface ResidentView {
  id: string;
  nationalIdMasked: string;
  fullName: string;
  communityCode: string;
  sex: 'male' | 'female';
  birthDate: string;
  phone: string | null;
  address: string | null;
  employmentStatus: string;
  employmentStatusSince: string;
  placementId: string | null;
  education: string | null;
  workCapacity: string;
  hardshipCategories: string[];
  skills: string[];
  occupation: string | null;
  householdId: string | null;
  householdRelation: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What callers see of a person: the ID number only masked, never its cipher or hash. */
export function toResidentView(resident: ResidentDocument): ResidentView {
  const since = resident.statusSince ?? resident.statusHistory?.at(-1)?.since ?? resident.createdAt;
  return {
    id: resident._id,
    nationalIdMasked: resident.idMasked,
    fullName: resident.fullName,
    communityCode: resident.communityCode,
    sex: resident.sex,
    birthDate: resident.birthDate,
    phone: resident.phone,
    address: resident.address,
    employmentStatus: resident.employmentStatus,
    employmentStatusSince: new Date(since).toISOString(),
    placementId: resident.placementId ?? null,
    education: resident.education,
    workCapacity: resident.workCapacity,
    hardshipCategories: resident.hardshipCategories,
    skills: resident.skills,
    occupation: resident.occupation,
    householdId: resident.householdId,
    householdRelation: resident.householdRelation ?? null,
    version: resident.version,
    createdAt: new Date(resident.createdAt).toISOString(),
    updatedAt: new Date(resident.updatedAt).toISOString(),
  };
}
