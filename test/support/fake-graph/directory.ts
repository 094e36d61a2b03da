/**
 * The Entra ID directory the fake Microsoft Graph serves and the fake ARM's role assignments check
 * principals against: applications, their service principals and passwords. Deleting an application
 * deletes its service principal and passwords, as Entra does.
 */
import { randomBytes, randomUUID } from 'node:crypto';

export interface Application {
  readonly id: string;
  readonly appId: string;
  displayName: string;
  tags: string[];
  passwords: { keyId: string; displayName: string; endDateTime: string; secretText: string }[];
}

export interface ServicePrincipal {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
}

export class Directory {
  readonly tenantId: string;
  readonly applications = new Map<string, Application>();
  readonly servicePrincipals = new Map<string, ServicePrincipal>();
  /** Principals (by object id) ARM does not see yet: each role-assignment PUT naming one uses up one. */
  readonly replicationLag = new Map<string, number>();
  /** Role-assignment PUTs refused with PrincipalNotFound for each new principal (replication delay). */
  replicationDelay = 0;

  constructor(tenantId: string) {
    this.tenantId = tenantId;
  }

  createApplication(displayName: string, tags: string[]): Application {
    const app: Application = { id: randomUUID(), appId: randomUUID(), displayName, tags, passwords: [] };
    this.applications.set(app.id, app);
    return app;
  }

  applicationByAppId(appId: string): Application | undefined {
    return [...this.applications.values()].find((a) => a.appId.toLowerCase() === appId.toLowerCase());
  }

  createServicePrincipal(app: Application): ServicePrincipal {
    const sp: ServicePrincipal = { id: randomUUID(), appId: app.appId, displayName: app.displayName };
    this.servicePrincipals.set(sp.id, sp);
    if (this.replicationDelay > 0) this.replicationLag.set(sp.id, this.replicationDelay);
    return sp;
  }

  servicePrincipalByAppId(appId: string): ServicePrincipal | undefined {
    return [...this.servicePrincipals.values()].find((s) => s.appId.toLowerCase() === appId.toLowerCase());
  }

  addPassword(app: Application, displayName: string, endDateTime: string) {
    const password = {
      keyId: randomUUID(),
      displayName,
      endDateTime,
      // Entra's secrets are 40 characters with a recognisable prefix; this one is random enough to be masked.
      secretText: `Fk8Q~${randomBytes(27).toString('base64url')}`,
    };
    app.passwords.push(password);
    return password;
  }

  deleteApplication(id: string): boolean {
    const app = this.applications.get(id);
    if (!app) return false;
    this.applications.delete(id);
    for (const [spId, sp] of this.servicePrincipals)
      if (sp.appId === app.appId) this.servicePrincipals.delete(spId);
    return true;
  }

  /** Someone deletes the service principal in the portal (the application stays). */
  deleteServicePrincipalOutside(appId: string): boolean {
    const sp = this.servicePrincipalByAppId(appId);
    if (!sp) return false;
    this.servicePrincipals.delete(sp.id);
    return true;
  }
}
