import { CertificateIssuedSchema } from '@employment/contracts';
import { eventually, KafkaProbe } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import {
  changeStatus,
  DISTRICT_A,
  DISTRICT_B,
  dropDatabase,
  eventsOf,
  newCommunity,
  type RunningResidents,
  registerPerson,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

const DAY = 86_400_000;

describe('Reemployment Preferential Certificates (再就业优惠证)', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let probe: KafkaProbe;
  let clerk: string;
  let reviewer: string;
  let bureau: string;
  // The service's clock: the tests move it forward a year to make an annual check overdue.
  let offset = 0;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth, { WARNING_CHECK_INTERVAL_MS: '150' });
    service = await startResidents(config, { now: () => new Date(Date.now() + offset) });
    probe = await KafkaProbe.start([config.RESIDENTS_EVENTS_TOPIC]);
    clerk = await auth.token(DISTRICT_A);
    reviewer = await auth.token(DISTRICT_A, ['residents:read', 'residents:write', 'certificates:review']);
    bureau = await auth.token(DISTRICT_A, ['residents:read', 'certificates:issue', 'certificates:review']);
  });

  afterAll(async () => {
    await probe.stop();
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  const apply = (residentId: string) =>
    service.request('POST', '/v1/certificates', { token: clerk, body: { residentId, note: '下岗职工' } });

  async function issued(community = newCommunity()) {
    const person = await registerPerson(service, clerk, {
      communityCode: community,
      employmentStatus: 'laid-off',
    });
    const applied = await apply(person.id);
    const approved = await service.request('POST', `/v1/certificates/${applied.body.id}/review`, {
      token: reviewer,
      body: { version: 1, approved: true, note: '材料齐全' },
    });
    const done = await service.request('POST', `/v1/certificates/${applied.body.id}/issue`, {
      token: bureau,
      body: { version: approved.body.version },
    });
    expect(done.status).toBe(200);
    return { person, certificate: done.body };
  }

  it('when a certificate goes from application through first review to issue, then it gets a unique number and its first annual check falls due a year later', async () => {
    const person = await registerPerson(service, clerk, {
      communityCode: newCommunity(),
      employmentStatus: 'unemployed',
    });
    const applied = await apply(person.id);
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({ state: 'applied', number: null, residentId: person.id, version: 1 });

    const byClerk = await service.request('POST', `/v1/certificates/${applied.body.id}/review`, {
      token: clerk,
      body: { version: 1, approved: true },
    });
    expect(byClerk.status).toBe(403);
    const tooEarly = await service.request('POST', `/v1/certificates/${applied.body.id}/issue`, {
      token: bureau,
      body: { version: 1 },
    });
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.body.state).toBe('applied');

    const approved = await service.request('POST', `/v1/certificates/${applied.body.id}/review`, {
      token: reviewer,
      body: { version: 1, approved: true },
    });
    expect(approved.body).toMatchObject({ state: 'approved', version: 2 });
    const done = await service.request('POST', `/v1/certificates/${applied.body.id}/issue`, {
      token: bureau,
      body: { version: 2 },
    });
    const year = new Date().getFullYear();
    expect(done.body.number).toMatch(new RegExp(`^${DISTRICT_A}${year}\\d{6}$`));
    expect(done.body).toMatchObject({ state: 'issued', version: 3 });
    expect(done.body.nextCheckDue).toBe(
      `${Number(done.body.issuedOn.slice(0, 4)) + 1}${done.body.issuedOn.slice(4)}`,
    );
    expect(done.body.history.map((h: { state: string }) => h.state)).toEqual([
      'applied',
      'approved',
      'issued',
    ]);

    const found = await service.request('GET', `/v1/certificates?number=${done.body.number}`, {
      token: clerk,
    });
    expect(found.body.id).toBe(applied.body.id);
    const [event] = await eventually(() => {
      const e = eventsOf(probe, config.RESIDENTS_EVENTS_TOPIC, CertificateIssuedSchema, applied.body.id);
      return e.length > 0 ? e : undefined;
    });
    expect(event!.payload.number).toBe(done.body.number);
  });

  it('when a certificate is reviewed and issued, then each step is audited with who, before and after', async () => {
    const person = await registerPerson(service, clerk, {
      communityCode: newCommunity(),
      employmentStatus: 'unemployed',
    });
    const applied = await apply(person.id);
    const communityReviewer = await auth.token(
      DISTRICT_A,
      ['residents:read', 'certificates:review'],
      'jiangan-community-review',
    );
    const labourBureau = await auth.token(
      DISTRICT_A,
      ['residents:read', 'certificates:issue'],
      'jiangan-bureau',
    );
    const approved = await service.request('POST', `/v1/certificates/${applied.body.id}/review`, {
      token: communityReviewer,
      body: { version: 1, approved: true, note: '材料齐全' },
    });
    expect(approved.status).toBe(200);
    const done = await service.request('POST', `/v1/certificates/${applied.body.id}/issue`, {
      token: labourBureau,
      body: { version: 2 },
    });
    expect(done.status).toBe(200);

    const trail = await service.request('GET', `/v1/audit-log?subjectId=${applied.body.id}`, {
      token: clerk,
    });
    expect(trail.body.items.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['certificate.applied', `district-${DISTRICT_A}`],
      ['certificate.reviewed', 'jiangan-community-review'],
      ['certificate.issued', 'jiangan-bureau'],
    ]);
    const [, review, issue] = trail.body.items;
    expect(review).toMatchObject({
      subjectType: 'certificate',
      communityCode: applied.body.communityCode,
      before: { state: 'applied', review: null, version: 1 },
      after: {
        state: 'approved',
        review: {
          approved: true,
          note: '材料齐全',
          reviewedBy: 'jiangan-community-review',
          reviewedAt: approved.body.review.reviewedAt,
        },
        version: 2,
      },
    });
    expect(issue).toMatchObject({
      before: { state: 'approved', issuedOn: null, issuedBy: null, nextCheckDue: null, version: 2 },
      after: {
        state: 'issued',
        number: done.body.number,
        issuedOn: done.body.issuedOn,
        issuedBy: 'jiangan-bureau',
        nextCheckDue: done.body.nextCheckDue,
        version: 3,
      },
    });
    expect(issue.before.number).not.toBe(done.body.number);
  });

  it('when many certificates are issued, then every number is different', async () => {
    const all = await Promise.all(Array.from({ length: 6 }, () => issued()));
    const numbers = all.map((c) => c.certificate.number);
    expect(new Set(numbers).size).toBe(6);
  });

  it('when a person already has a live certificate or is not eligible, then the application is refused', async () => {
    const { person } = await issued();
    const again = await apply(person.id);
    expect(again.status).toBe(409);
    expect(again.body.state).toBe('issued');
    const worker = await registerPerson(service, clerk, {
      communityCode: newCommunity(),
      employmentStatus: 'employed',
    });
    expect((await apply(worker.id)).status).toBe(422);
    const tokenB = await auth.token(DISTRICT_B);
    const foreign = await service.request('POST', '/v1/certificates', {
      token: tokenB,
      body: { residentId: person.id },
    });
    expect(foreign.status).toBe(400);
  });

  it('when an application is rejected or a certificate revoked, then the person may apply again', async () => {
    const person = await registerPerson(service, clerk, {
      communityCode: newCommunity(),
      employmentStatus: 'laid-off',
    });
    const first = await apply(person.id);
    const rejected = await service.request('POST', `/v1/certificates/${first.body.id}/review`, {
      token: reviewer,
      body: { version: 1, approved: false, note: '材料不全' },
    });
    expect(rejected.body.state).toBe('rejected');
    const second = await apply(person.id);
    expect(second.status).toBe(201);
    const revoked = await service.request('POST', `/v1/certificates/${second.body.id}/revocation`, {
      token: bureau,
      body: { version: 1, reason: 'withdrawn by the applicant' },
    });
    expect(revoked.body).toMatchObject({ state: 'revoked', revocationReason: 'withdrawn by the applicant' });
    expect((await apply(person.id)).status).toBe(201);
    const list = await service.request('GET', `/v1/residents/${person.id}/certificates`, { token: clerk });
    expect(list.body.items.map((c: { state: string }) => c.state)).toEqual([
      'rejected',
      'revoked',
      'applied',
    ]);
  });

  it('when the annual check is not recorded by its due date, then the timer raises an overdue warning once; recording the check resolves it', async () => {
    const community = newCommunity();
    const { certificate } = await issued(community);
    offset = 400 * DAY; // a year and a month later
    try {
      const warning = await eventually(
        async () => {
          const res = await service.request(
            'GET',
            `/v1/areas/${community}/warnings?kind=certificate-check-overdue`,
            {
              token: clerk,
            },
          );
          return res.body.items.find((w: { subjectId: string }) => w.subjectId === certificate.id);
        },
        { what: 'the overdue warning' },
      );
      expect(warning).toMatchObject({ state: 'raised', subjectType: 'certificate' });
      expect(warning.detail).toContain(certificate.nextCheckDue);

      // A round cut short after raising the warning leaves the certificate unmarked: the next round
      // marks it, as an audited write of the system.
      const certificates = service.runtime.store.collection('certificates');
      // The raise is one change of several writes: the warning can be read before the certificate
      // is marked. Clear the mark only once it is there.
      await eventually(
        async () =>
          (await certificates.findOne({ _id: certificate.id } as never))?.overdueWarningId === warning.id,
        { what: 'the certificate to be marked' },
      );
      await certificates.updateOne({ _id: certificate.id } as never, { $set: { overdueWarningId: null } });
      const repair = await eventually(
        async () => {
          const res = await service.request('GET', `/v1/audit-log?subjectId=${certificate.id}`, {
            token: clerk,
          });
          return res.body.items.find(
            (e: { action: string }) => e.action === 'certificate.overdue-warning-linked',
          );
        },
        { what: 'the repair to be audited' },
      );
      expect(repair).toMatchObject({
        actor: 'residents:warning-monitor',
        subjectType: 'certificate',
        communityCode: community,
        before: { overdueWarningId: null },
        after: { overdueWarningId: warning.id },
      });
      expect((await certificates.findOne({ _id: certificate.id } as never))?.overdueWarningId).toBe(
        warning.id,
      );

      const check = await service.request('POST', `/v1/certificates/${certificate.id}/annual-checks`, {
        token: reviewer,
        body: { version: certificate.version, passed: true, note: '仍处于失业状态' },
      });
      expect(check.status).toBe(200);
      expect(check.body.nextCheckDue).toBe(
        `${Number(certificate.nextCheckDue.slice(0, 4)) + 1}${certificate.nextCheckDue.slice(4)}`,
      );
      expect(check.body.checks).toHaveLength(1);
      const after = await service.request('GET', `/v1/warnings/${warning.id}`, { token: clerk });
      expect(after.body).toMatchObject({ state: 'resolved', resolution: 'the annual check was recorded' });
      const count = await service.runtime.store
        .collection('warnings')
        .countDocuments({ subjectId: certificate.id, kind: 'certificate-check-overdue' });
      expect(count).toBe(1);
    } finally {
      offset = 0;
    }
  });

  it('when an annual check fails, then the certificate is revoked', async () => {
    const { certificate, person } = await issued();
    await changeStatus(service, clerk, person.id, 'employed');
    const check = await service.request('POST', `/v1/certificates/${certificate.id}/annual-checks`, {
      token: reviewer,
      body: { version: certificate.version, passed: false, note: '已就业' },
    });
    expect(check.body).toMatchObject({
      state: 'revoked',
      revocationReason: 'annual check failed',
      nextCheckDue: null,
    });
    const stats = await eventually(async () => {
      const res = await service.request('GET', `/v1/communities/${certificate.communityCode}/statistics`, {
        token: clerk,
      });
      return res.body.certificatesIssued === 1 && res.body.certificatesActive === 0 ? res.body : undefined;
    });
    expect(stats.certificatesActive).toBe(0);
  });
});
