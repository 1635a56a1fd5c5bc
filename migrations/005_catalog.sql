-- Catalog: reference data (ordinary tables); admin changes are recorded in admin_audit_log.
create table categories (
  id          uuid        primary key,
  name        text        not null unique,
  slug        text        not null unique,
  description text,
  sort_order  integer     not null default 0,
  is_active   boolean     not null default true,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

create table services (
  id           uuid        primary key,
  category_id  uuid        not null references categories (id),
  name         text        not null,
  slug         text        not null unique,
  description  text        not null default '',
  docker_image text        not null,
  default_port integer     not null check (default_port between 1 and 65535),
  env_template jsonb       not null default '{}'::jsonb,
  tags         text[]      not null default '{}',
  is_featured  boolean     not null default false,
  is_active    boolean     not null default true,
  is_public    boolean     not null default true,
  sort_order   integer     not null default 0,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now()
);
create index services_category on services (category_id);

create table plans (
  id                     uuid        primary key,
  service_id             uuid        not null references services (id),
  name                   text        not null,
  plan_type              text        not null check (plan_type in ('FREE', 'BASIC', 'PRO', 'PREMIUM', 'ENTERPRISE')),
  monthly_price          bigint      not null check (monthly_price >= 0),
  cpu_milli              integer     not null check (cpu_milli > 0),
  memory_mb              integer     not null check (memory_mb > 0),
  storage_gb             integer     not null check (storage_gb > 0),
  bandwidth_gb           integer     not null check (bandwidth_gb >= 0),
  -- Capacity and use are projections of the plan-quota-<id> stream (the source of truth).
  total_quota            integer     not null check (total_quota >= 0),
  used_quota             integer     not null default 0 check (used_quota >= 0 and used_quota <= total_quota),
  features               jsonb       not null default '[]'::jsonb,
  max_instances_per_user integer     not null default 1 check (max_instances_per_user > 0),
  is_active              boolean     not null default true,
  is_popular             boolean     not null default false,
  sort_order             integer     not null default 0,
  created_at             timestamptz not null default now(),
  updated_at             timestamptz not null default now(),
  unique (service_id, name)
);
create index plans_service on plans (service_id);

create table admin_audit_log (
  id        bigserial   primary key,
  actor     text        not null,
  action    text        not null,
  entity    text        not null,
  entity_id text        not null,
  before    jsonb,
  after     jsonb,
  at        timestamptz not null
);
create index admin_audit_log_entity on admin_audit_log (entity, entity_id);

-- The first catalog. Fixed ids so every installation names the same seed rows.
insert into categories (id, name, slug, description, sort_order) values
  ('c0000000-0000-4000-8000-000000000001', 'Automation', 'automation', 'Workflow automation and integration', 1),
  ('c0000000-0000-4000-8000-000000000002', 'CMS & Publishing', 'cms', 'Websites, blogs and newsletters', 2),
  ('c0000000-0000-4000-8000-000000000003', 'Databases', 'databases', 'Managed database servers', 3);

insert into services (id, category_id, name, slug, description, docker_image, default_port, env_template, tags, is_featured, sort_order) values
  ('50000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'n8n', 'n8n',
   'Fair-code workflow automation with 400+ integrations', 'docker.n8n.io/n8nio/n8n:1.80.0', 5678,
   '{"N8N_PORT": "5678", "N8N_PROTOCOL": "https", "GENERIC_TIMEZONE": "Asia/Jakarta", "N8N_ENCRYPTION_KEY": "{{secret}}"}',
   '{automation,workflow,integration,low-code}', true, 1),
  ('50000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000002', 'Ghost', 'ghost',
   'Professional publishing platform with newsletters and memberships', 'ghost:5-alpine', 2368,
   '{"url": "https://{{domain}}", "NODE_ENV": "production", "database__client": "sqlite3"}',
   '{blog,cms,newsletter,publishing}', true, 2),
  ('50000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000002', 'WordPress', 'wordpress',
   'The world''s most popular website builder', 'wordpress:6-apache', 80,
   '{"WORDPRESS_DB_HOST": "{{db_host}}", "WORDPRESS_DB_USER": "wordpress", "WORDPRESS_DB_PASSWORD": "{{secret}}", "WORDPRESS_DB_NAME": "wordpress"}',
   '{cms,website,blog,php}', false, 3),
  ('50000000-0000-4000-8000-000000000004', 'c0000000-0000-4000-8000-000000000003', 'PostgreSQL', 'postgresql',
   'The world''s most advanced open-source relational database', 'postgres:16-alpine', 5432,
   '{"POSTGRES_DB": "app", "POSTGRES_USER": "app", "POSTGRES_PASSWORD": "{{secret}}", "PGDATA": "/var/lib/postgresql/data/pgdata"}',
   '{database,sql,postgres}', false, 4);

insert into plans (id, service_id, name, plan_type, monthly_price, cpu_milli, memory_mb, storage_gb, bandwidth_gb, total_quota, features, max_instances_per_user, is_popular, sort_order) values
  ('90000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000001', 'n8n Free', 'FREE', 0, 250, 256, 1, 5, 20, '["1 workflow runner", "Community support"]', 1, false, 1),
  ('90000000-0000-4000-8000-000000000002', '50000000-0000-4000-8000-000000000001', 'n8n Basic', 'BASIC', 50000, 500, 512, 5, 50, 50, '["Unlimited workflows", "Daily backups", "Email support"]', 1, true, 2),
  ('90000000-0000-4000-8000-000000000003', '50000000-0000-4000-8000-000000000001', 'n8n Pro', 'PRO', 150000, 1000, 2048, 20, 200, 20, '["Unlimited workflows", "Hourly backups", "Priority support"]', 1, false, 3),
  ('90000000-0000-4000-8000-000000000004', '50000000-0000-4000-8000-000000000002', 'Ghost Basic', 'BASIC', 75000, 500, 512, 5, 100, 30, '["Custom domain", "Newsletter up to 1k members"]', 1, true, 1),
  ('90000000-0000-4000-8000-000000000005', '50000000-0000-4000-8000-000000000002', 'Ghost Pro', 'PRO', 200000, 1000, 1024, 20, 500, 15, '["Custom domain", "Unlimited members", "Priority support"]', 1, false, 2),
  ('90000000-0000-4000-8000-000000000006', '50000000-0000-4000-8000-000000000003', 'WordPress Basic', 'BASIC', 60000, 500, 512, 10, 100, 40, '["Custom domain", "Daily backups"]', 1, true, 1),
  ('90000000-0000-4000-8000-000000000007', '50000000-0000-4000-8000-000000000003', 'WordPress Premium', 'PREMIUM', 250000, 2000, 2048, 40, 1000, 10, '["Custom domain", "Hourly backups", "Staging site"]', 1, false, 2),
  ('90000000-0000-4000-8000-000000000008', '50000000-0000-4000-8000-000000000004', 'PostgreSQL Basic', 'BASIC', 80000, 500, 1024, 10, 50, 30, '["Daily backups", "Connection pooling"]', 1, false, 1),
  ('90000000-0000-4000-8000-000000000009', '50000000-0000-4000-8000-000000000004', 'PostgreSQL Pro', 'PRO', 300000, 2000, 4096, 50, 200, 10, '["Point-in-time recovery", "Read replica"]', 1, false, 2);
