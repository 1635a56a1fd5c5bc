-- Service templates (issue 8): how each service runs in the cluster — volume, probes, security
-- context, an optional companion database and which generated secrets the owner may read.
-- The app container's image, port and env stay in docker_image, default_port and env_template.
-- Placeholders: {{domain}} {{url}} {{instance_name}} {{db_host}} {{db_port}} and the generated
-- {{secret}} {{db_password}} {{db_root_password}} (crypto-random per instance, kept only in the
-- instance's Secret). NULL: the app alone, TCP probe, volume at /data.
alter table services add column template jsonb;

update services set
  env_template = $json${"N8N_PORT": "5678", "N8N_PROTOCOL": "https", "N8N_HOST": "{{domain}}", "WEBHOOK_URL": "{{url}}/",
    "N8N_EDITOR_BASE_URL": "{{url}}/", "GENERIC_TIMEZONE": "Asia/Jakarta", "N8N_ENCRYPTION_KEY": "{{secret}}",
    "N8N_DIAGNOSTICS_ENABLED": "false"}$json$,
  template = $json${
    "app": {"volume": {"mountPath": "/home/node/.n8n"}, "probe": {"kind": "http", "path": "/healthz", "initialDelaySeconds": 10},
            "securityContext": {"runAsUser": 1000, "fsGroup": 1000}, "http": true},
    "credentials": {"secret": "N8N_ENCRYPTION_KEY: n8n encrypts stored credentials with it; keep a copy"}}$json$
where id = '50000000-0000-4000-8000-000000000001';

-- Ghost 5 in production needs MySQL 8 (SQLite is for development only).
update services set
  env_template = $json${"url": "{{url}}", "NODE_ENV": "production", "database__client": "mysql",
    "database__connection__host": "{{db_host}}", "database__connection__port": "{{db_port}}",
    "database__connection__user": "ghost", "database__connection__password": "{{db_password}}",
    "database__connection__database": "ghost"}$json$,
  template = $json${
    "app": {"volume": {"mountPath": "/var/lib/ghost/content"}, "probe": {"kind": "http", "path": "/", "initialDelaySeconds": 20},
            "securityContext": {"runAsUser": 1000, "fsGroup": 1000}, "http": true, "adminPath": "/ghost"},
    "database": {"image": "mysql:8.0", "port": 3306,
                 "env": {"MYSQL_DATABASE": "ghost", "MYSQL_USER": "ghost", "MYSQL_PASSWORD": "{{db_password}}", "MYSQL_ROOT_PASSWORD": "{{db_root_password}}"},
                 "volume": {"mountPath": "/var/lib/mysql", "subPath": "mysql"}, "probe": {"kind": "tcp", "initialDelaySeconds": 20},
                 "securityContext": {"runAsUser": 999, "fsGroup": 999}, "cpuMilli": 500, "memoryMb": 512, "storageGb": 5},
    "credentials": {"db_password": "MySQL password of user ghost (database ghost)", "db_root_password": "MySQL root password"}}$json$
where id = '50000000-0000-4000-8000-000000000002';

-- WordPress with a companion MariaDB; the proxy's https is honoured (TLS ends at the ingress).
update services set
  env_template = $json${"WORDPRESS_DB_HOST": "{{db_host}}:{{db_port}}", "WORDPRESS_DB_USER": "wordpress",
    "WORDPRESS_DB_PASSWORD": "{{db_password}}", "WORDPRESS_DB_NAME": "wordpress",
    "WORDPRESS_CONFIG_EXTRA": "if (($_SERVER['HTTP_X_FORWARDED_PROTO'] ?? '') === 'https') { $_SERVER['HTTPS'] = 'on'; }"}$json$,
  template = $json${
    "app": {"volume": {"mountPath": "/var/www/html"}, "probe": {"kind": "http", "path": "/wp-includes/images/blank.gif", "initialDelaySeconds": 10},
            "securityContext": {"fsGroup": 33, "addCapabilities": ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID", "NET_BIND_SERVICE"]},
            "http": true, "adminPath": "/wp-admin"},
    "database": {"image": "mariadb:11.4", "port": 3306,
                 "env": {"MARIADB_DATABASE": "wordpress", "MARIADB_USER": "wordpress", "MARIADB_PASSWORD": "{{db_password}}", "MARIADB_ROOT_PASSWORD": "{{db_root_password}}"},
                 "volume": {"mountPath": "/var/lib/mysql", "subPath": "mysql"}, "probe": {"kind": "tcp", "initialDelaySeconds": 15},
                 "securityContext": {"runAsUser": 999, "fsGroup": 999}, "cpuMilli": 250, "memoryMb": 384, "storageGb": 5},
    "credentials": {"db_password": "MariaDB password of user wordpress (database wordpress)", "db_root_password": "MariaDB root password"}}$json$
where id = '50000000-0000-4000-8000-000000000003';

-- PostgreSQL is not HTTP: no Ingress; reachable inside the cluster only (see README).
update services set
  env_template = $json${"POSTGRES_DB": "app", "POSTGRES_USER": "app", "POSTGRES_PASSWORD": "{{db_password}}",
    "PGDATA": "/var/lib/postgresql/data/pgdata"}$json$,
  template = $json${
    "app": {"volume": {"mountPath": "/var/lib/postgresql/data"},
            "probe": {"kind": "exec", "command": ["pg_isready", "-h", "127.0.0.1", "-U", "app", "-d", "app"], "initialDelaySeconds": 5},
            "securityContext": {"runAsUser": 70, "fsGroup": 70}, "http": false},
    "credentials": {"db_password": "Password of user app (database app)"}}$json$
where id = '50000000-0000-4000-8000-000000000004';
