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
  education: string | null;
  workCapacity: string;
  hardshipCategories: string[];
  skills: string[];
  occupation: string | null;
  householdId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What callers see of a person: the ID number only masked, never its cipher or hash. */
export function toResidentView(resident: ResidentDocument): ResidentView {
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
    education: resident.education,
    workCapacity: resident.workCapacity,
    hardshipCategories: resident.hardshipCategories,
    skills: resident.skills,
    occupation: resident.occupation,
    householdId: resident.householdId,
    version: resident.version,
    createdAt: new Date(resident.createdAt).toISOString(),
    updatedAt: new Date(resident.updatedAt).toISOString(),
  };
}
