-- The X-Override-Notification header the Snap request carried (MIDTRANS_NOTIFICATION_URL): the
-- simulator notifies there, as Midtrans does, instead of this server's own webhook.
alter table midtrans_simulator add column notification_url text;
