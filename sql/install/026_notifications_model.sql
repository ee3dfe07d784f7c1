-- Notifications (SPEC section 8): the notification table, each principal's
-- preferences per kind of event, and its muted resources.  Written and read
-- by the functions of 078_notifications.sql.

CREATE TABLE share_acl.notification (
    id uuid PRIMARY KEY DEFAULT share_acl.time_ordered_uuid(),
    workspace_id uuid REFERENCES share_acl.workspace (id) ON DELETE CASCADE,
    recipient_id uuid NOT NULL REFERENCES share_acl.principal (id) ON DELETE CASCADE,
    -- (the kinds as one array constant, not an IN list: every INSERT statement
    -- reads its table's CHECK expressions again, and a list of eight
    -- constants is eight times the reading)
    kind text NOT NULL CHECK (kind = ANY ('{share_received,link_first_view,review_requested,review_decided,'
                                          'review_cancelled,promotion_requested,promotion_decided,link_expiring,'
                                          'mention}'::text[])),
    resource_id uuid REFERENCES share_acl.resource (id) ON DELETE CASCADE,
    payload jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz,
    -- mail: 'now' (the outbox), 'digest' (the daily digest) or NULL (in-app only)
    email text CHECK (email = ANY ('{now,digest}'::text[])),
    emailed_at timestamptz
);
CREATE INDEX notification_recipient_idx ON share_acl.notification (recipient_id, created_at);
-- a deleted resource (a subtree: one cascade per resource) takes its
-- notifications along by this index.  workspace_id has none: a workspace is
-- deleted one row at a time, its resources' notifications go with them, and
-- one scan of the table per deleted workspace costs less than an index
-- entry per notification written.
CREATE INDEX notification_resource_idx ON share_acl.notification (resource_id);
CREATE INDEX notification_unread_idx ON share_acl.notification (recipient_id) WHERE read_at IS NULL;
CREATE INDEX notification_outbox_idx ON share_acl.notification (created_at)
    WHERE email = 'now' AND emailed_at IS NULL;
-- the daily digest's rows not mailed yet, by recipient (claim_digests,
-- notification_digest)
CREATE INDEX notification_digest_idx ON share_acl.notification (recipient_id, created_at)
    WHERE email = 'digest' AND emailed_at IS NULL;
-- "link about to expire" is written once per link and recipient
CREATE UNIQUE INDEX notification_link_expiring_once ON share_acl.notification
    (recipient_id, ((payload->>'link_id'))) WHERE kind = 'link_expiring';
COMMENT ON TABLE share_acl.notification IS
    'what concerns a principal (a share received, a link''s first view, a review requested or decided, a promotion requested or decided, a link about to expire, a mention), in-app, and by mail when its preferences say so';

-- Per principal and kind: mail at once (default), in the daily digest, or
-- not at all; a kind without a row mails at once.  In-app is always on.
CREATE TABLE share_acl.notification_preference (
    principal_id uuid NOT NULL REFERENCES share_acl.principal (id) ON DELETE CASCADE,
    kind text NOT NULL,
    email boolean NOT NULL DEFAULT true,
    digest boolean NOT NULL DEFAULT false,
    PRIMARY KEY (principal_id, kind)
);
COMMENT ON TABLE share_acl.notification_preference IS
    'a principal''s mail preference for one kind of notification: email (on/off) and digest (in the daily digest rather than at once)';

-- A muted resource: no notification about it or anything below it is
-- written for the principal.
CREATE TABLE share_acl.notification_mute (
    principal_id uuid NOT NULL REFERENCES share_acl.principal (id) ON DELETE CASCADE,
    resource_id uuid NOT NULL REFERENCES share_acl.resource (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal_id, resource_id)
);
CREATE INDEX notification_mute_resource_idx ON share_acl.notification_mute (resource_id);
COMMENT ON TABLE share_acl.notification_mute IS
    'a resource a principal muted: no notification about it or what is below it is written for that principal';

COMMENT ON COLUMN share_acl.notification.email IS
    'how the notification is mailed by the recipient''s preference: now (email_outbox), digest (notification_digest), or NULL (in-app only)';
SELECT pg_catalog.pg_extension_config_dump('share_acl.notification', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.notification_preference', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.notification_mute', '');
