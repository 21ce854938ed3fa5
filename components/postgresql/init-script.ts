import { DatabaseGrant } from "../../catalog";

/** The file name in /docker-entrypoint-initdb.d (the image runs `*.sql` files with psql, in name order). */
export const INIT_SCRIPT = "10-service-databases.sql";

/** `user_service` → `PASSWORD_USER_SERVICE`: the container's env var holding a role's password (from the Secret). */
export const passwordVariable = (role: string): string => `PASSWORD_${role.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

/** The superuser's password variable (the image's own). */
export const SUPERUSER_PASSWORD_VARIABLE = "POSTGRES_PASSWORD";

const identifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * The roles and databases as the catalog wants them, applied idempotently: for each grant, its role
 * (created when missing; LOGIN and its password, read from the environment with psql's `\getenv`, set
 * every time) and its database (created, owned by the role, when missing; other roles may not connect);
 * and the superuser's password. It runs when the image initialises an empty data directory, and on every
 * start of the pod after that (the `reconcile-roles` init container), so a rotated password or a new
 * service reaches the database on the next rollout, without a new volume. It drops nothing. No password
 * is in the script: a missing variable leaves `:'password'` unexpanded, a syntax error that stops it.
 */
export function initScript(grants: readonly DatabaseGrant[], superuser: string, monitor?: string): string {
  const lines = [
    "-- Generated from the catalog: one role and one database per service that names a database, and the",
    "-- saga coordinator's; idempotent. Passwords come from the environment, never from this file.",
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
      `SELECT 'CREATE ROLE ${role}' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(grant.role)}) \\gexec`,
      `ALTER ROLE ${role} WITH LOGIN PASSWORD :'password';`,
      `SELECT 'CREATE DATABASE ${database} OWNER ${role}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${literal(grant.database)}) \\gexec`,
      `REVOKE ALL ON DATABASE ${database} FROM PUBLIC;`,
    );
  }
  if (monitor !== undefined) {
    lines.push(
      "",
      "-- the exporter's role: pg_monitor reads the statistics views and settings, and no table",
      "\\unset password",
      `\\getenv password ${passwordVariable(monitor)}`,
      `SELECT 'CREATE ROLE ${identifier(monitor)}' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(monitor)}) \\gexec`,
      `ALTER ROLE ${identifier(monitor)} WITH LOGIN PASSWORD :'password';`,
      `GRANT pg_monitor TO ${identifier(monitor)};`,
    );
  }
  lines.push(
    "",
    "-- the superuser (the image sets its password only when it initialises the data directory)",
    "\\unset password",
    `\\getenv password ${SUPERUSER_PASSWORD_VARIABLE}`,
    `ALTER ROLE ${identifier(superuser)} WITH PASSWORD :'password';`,
    "",
    "\\unset password",
    "",
  );
  return lines.join("\n");
}
