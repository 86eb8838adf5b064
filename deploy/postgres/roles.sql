-- coopfed: PostgreSQL roles and database.  A DBA runs this ONCE, as a
-- superuser, with psql (it uses psql variables and \connect):
--
--     sudo -u postgres psql -v ON_ERROR_STOP=1 \
--         -v owner_password='…' -v app_password='…' \
--         -f deploy/postgres/roles.sql
--
-- The two passwords are placeholders filled in from psql variables, so none
-- is ever written into this file.  If you would rather not pass them on the
-- command line, pass any throwaway value and set the real ones straight after
-- with psql's \password coopfed_owner and \password coopfed_app (they are not
-- echoed).  Use the same passwords in COOPFED_OWNER_DATABASE_URL and
-- COOPFED_DATABASE_URL (/etc/coopfed/coopfed.env).
--
-- Role and database names match the examples in coopfed.env.example; change
-- them everywhere at once if you change them at all.  Written for
-- PostgreSQL 15 and later.

-- Refuse to run without both passwords, rather than create roles with an
-- empty or guessable password.
\if :{?owner_password}
\else
\echo 'roles.sql: pass -v owner_password=... (see the top of this file)'
SELECT 1 / 0 AS owner_password_missing;
\quit
\endif
\if :{?app_password}
\else
\echo 'roles.sql: pass -v app_password=... (see the top of this file)'
SELECT 1 / 0 AS app_password_missing;
\quit
\endif

-- 1. The owner role.  It owns the database, the "federation" schema and every
--    per-co-op coop_<id> schema, and runs provisioning and migrations.
--    CREATEROLE lets it create the per-co-op NOLOGIN roles and grant them to
--    the app role.  Nothing more: no superuser, no CREATEDB, no replication,
--    and it does not bypass row-level security.
--    Note that on PostgreSQL 15 CREATEROLE lets a role alter any role that is
--    not a superuser, so guard this password as you would a superuser's.  From
--    PostgreSQL 16 it may manage only the roles it created itself.
CREATE ROLE coopfed_owner
    LOGIN CREATEROLE
    NOSUPERUSER NOCREATEDB NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';

-- 2. The app role: what the web processes and the workers log in as.
--    NOINHERIT: being granted a co-op's role gives it none of that role's
--    privileges until it says SET (LOCAL) ROLE, so every tenant query runs as
--    exactly one co-op.  It must never be a superuser (a superuser ignores
--    every privilege check and row-level security policy) and never INHERIT.
CREATE ROLE coopfed_app
    LOGIN NOINHERIT
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'app_password';

-- 3. The database, owned by the owner role, so that the owner can create the
--    federation and coop_<id> schemas in it.  template0 and UTF8 give a clean
--    database whatever template1 holds.
CREATE DATABASE coopfed
    OWNER coopfed_owner
    ENCODING 'UTF8'
    TEMPLATE template0;

-- 4. Only the roles that need to connect may do so.  A new database lets
--    PUBLIC (every role in the cluster) connect and create temporary tables;
--    take that away, then give CONNECT back to the app role.  The owner can
--    connect as the database's owner.  The per-co-op roles never log in, so
--    they need no CONNECT.  (Should coopfed ever need temporary tables, also
--    GRANT TEMPORARY ON DATABASE coopfed TO coopfed_app.)
REVOKE ALL ON DATABASE coopfed FROM PUBLIC;
GRANT CONNECT ON DATABASE coopfed TO coopfed_app;

-- 5. Inside the new database: nobody but the owner may create objects in the
--    "public" schema (already so by default on PostgreSQL 15 and later; said
--    again here for clusters upgraded from older versions).
\connect coopfed
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
