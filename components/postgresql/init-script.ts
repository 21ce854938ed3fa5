import { DatabaseGrant } from "../../catalog";

/** The file name in /docker-entrypoint-initdb.d (the image runs `*.sql` files with psql, in name order). */
export const INIT_SCRIPT = "10-service-databases.sql";

/** `user_service` → `PASSWORD_USER_SERVICE`: the container's env var holding a role's password (from the Secret). */
export const passwordVariable = (role: string): string => `PASSWORD_${role.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

const identifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * The init script: one role (LOGIN, its password read from the environment with psql's `\getenv`)
 * and one database owned by it per grant; other roles may not connect to it. The image runs it
 * once, when it initialises an empty data directory. No password is in the script: a missing
 * variable leaves `:'password'` unexpanded, a syntax error that stops the initialisation.
 */
export function initScript(grants: readonly DatabaseGrant[]): string {
  const lines = [
    "-- Generated from the catalog: one role and one database per service that names a database,",
    "-- and the saga coordinator's. Passwords come from the environment, never from this file.",
    "\\set ON_ERROR_STOP on",
  ];
  for (const grant of grants) {
    const role = identifier(grant.role);
    const database = identifier(grant.database);
    lines.push(
      "",
      `-- ${grant.service ?? "saga coordinator"}`,
      "\\unset password",
      `\\getenv password ${passwordVariable(grant.role)}`,
      `CREATE ROLE ${role} LOGIN PASSWORD :'password';`,
      `CREATE DATABASE ${database} OWNER ${role};`,
      `REVOKE ALL ON DATABASE ${database} FROM PUBLIC;`,
    );
  }
  lines.push("", "\\unset password", "");
  return lines.join("\n");
}
