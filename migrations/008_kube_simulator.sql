-- State of the Kubernetes API simulator (CLUSTER_MODE=simulator): every stored object, and the
-- change log its watches resume from. resourceVersion comes from one sequence; writes are
-- serialised by an advisory lock so resourceVersion order is commit order.
create sequence kubesim_resource_version;

create table kubesim_objects (
  resource         text   not null,             -- "<group>/<plural>", group empty for core: "/pods", "apps/deployments"
  namespace        text   not null default '',  -- '' for cluster-scoped objects
  name             text   not null,
  uid              uuid   not null unique,
  resource_version bigint not null,
  body             jsonb  not null,
  -- Server-side apply: the last configuration each field manager applied (field ownership).
  applied          jsonb  not null default '{}',
  primary key (resource, namespace, name)
);
create index kubesim_objects_namespace on kubesim_objects (namespace);

create table kubesim_changes (
  resource_version bigint primary key,
  resource         text   not null,
  namespace        text   not null,
  type             text   not null check (type in ('ADDED', 'MODIFIED', 'DELETED')),
  body             jsonb  not null
);

-- Changes at or below this resourceVersion were pruned: a watch from an older one gets 410 Gone.
create table kubesim_compaction (
  id           integer primary key check (id = 1),
  compacted_rv bigint  not null
);
insert into kubesim_compaction values (1, 0);
