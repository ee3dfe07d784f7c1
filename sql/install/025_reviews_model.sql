-- Review requests (SPEC section 8): the review and review_reviewer tables.  The
-- functions that request, decide and cancel reviews are in 075_reviews.sql.
--
-- While a review is open, each of its reviewers holds the review's grant on
-- its resource (commenter, and approve, as far as the requester held them
-- when asking): the engine reads the reviewer rows that are active like
-- shares (src/principals.c), and shows them in explain_access as rule
-- "review".  So each reviewer row carries what the engine needs: the
-- resource (kept equal to the review's by a trigger), the permset, the
-- expiry (the due time when the review closes at it) and whether it is
-- active.  Closing a review (every reviewer decided, or cancelled) makes its
-- rows inactive; the change log (kind 'p', the reviewer) tells every
-- backend, so no cache keeps a closed review's grant (R13).

CREATE TABLE share_acl.review (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resource_id uuid NOT NULL REFERENCES share_acl.resource (id) ON DELETE CASCADE,
    requested_by uuid REFERENCES share_acl.principal (id) ON DELETE SET NULL,
    instructions text CHECK (length(instructions) <= 10000),
    due_at timestamptz,
    close_at_due boolean NOT NULL DEFAULT false,
    perms share_acl.permset NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz,
    cancelled_at timestamptz,
    CHECK (cancelled_at IS NULL OR closed_at IS NOT NULL)
);
CREATE INDEX review_resource_idx ON share_acl.review (resource_id);
CREATE INDEX review_requested_by_idx ON share_acl.review (requested_by);
COMMENT ON TABLE share_acl.review IS
    'a review request: its resource, requester, instructions, due time, the grant its reviewers hold while it is open, and when it closed (or was cancelled)';

CREATE TABLE share_acl.review_reviewer (
    review_id uuid NOT NULL REFERENCES share_acl.review (id) ON DELETE CASCADE,
    reviewer_id uuid NOT NULL REFERENCES share_acl.principal (id) ON DELETE CASCADE,
    resource_id uuid NOT NULL REFERENCES share_acl.resource (id) ON DELETE CASCADE,
    perms share_acl.permset NOT NULL,
    expires_at timestamptz,
    active boolean NOT NULL DEFAULT true,
    decision text CHECK (decision IN ('approved', 'needs_changes')),
    note text CHECK (length(note) <= 10000),
    decided_at timestamptz,
    decided_by uuid REFERENCES share_acl.principal (id) ON DELETE SET NULL,
    PRIMARY KEY (review_id, reviewer_id)
);
CREATE INDEX review_reviewer_reviewer_idx ON share_acl.review_reviewer (reviewer_id);
CREATE INDEX review_reviewer_resource_idx ON share_acl.review_reviewer (resource_id);
CREATE INDEX review_reviewer_decided_by_idx ON share_acl.review_reviewer (decided_by);
COMMENT ON TABLE share_acl.review_reviewer IS
    'a reviewer of a review (a user, an external principal or a team) and its decision; while active, the reviewer holds perms on resource_id until expires_at';

-- A reviewer row's resource is its review's, and a team reviewer belongs to
-- the resource's workspace (as a share's grantee).  SECURITY DEFINER, as the
-- other model checks: it asks an internal helper, and a trusted
-- administrator's direct writes fire it as that role.
CREATE FUNCTION share_acl.review_reviewer_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- (the grant ends at the review's due time when it closes then: the
    -- engine reads expires_at, review_status and submit_review the review's)
    SELECT r.resource_id, CASE WHEN r.close_at_due THEN r.due_at END
      INTO NEW.resource_id, NEW.expires_at
      FROM share_acl.review r WHERE r.id = NEW.review_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'review % does not exist', NEW.review_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF share_acl._team_outside(NEW.reviewer_id, NEW.resource_id) THEN
        RAISE EXCEPTION 'a team can only review resources of its own workspace'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION share_acl.review_reviewer_check() IS
    'trigger: a reviewer row takes its review''s resource, and its due time as expires_at when the review closes at it; a team reviewer belongs to the resource''s workspace';
CREATE TRIGGER review_reviewer_check BEFORE INSERT OR UPDATE ON share_acl.review_reviewer
    FOR EACH ROW EXECUTE FUNCTION share_acl.review_reviewer_check();

-- A review that moves to another resource takes its reviewer rows along, and
-- one whose due time or close_at_due changes (an administrator's UPDATE)
-- moves the end of their grant with it (review_reviewer_check sets both).
CREATE FUNCTION share_acl.review_resource_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE share_acl.review_reviewer rr
       SET resource_id = NEW.resource_id, expires_at = CASE WHEN NEW.close_at_due THEN NEW.due_at END
     WHERE rr.review_id = NEW.id
       AND (rr.resource_id IS DISTINCT FROM NEW.resource_id
            OR rr.expires_at IS DISTINCT FROM CASE WHEN NEW.close_at_due THEN NEW.due_at END);
    RETURN NULL;
END $$;
COMMENT ON FUNCTION share_acl.review_resource_sync() IS
    'trigger: the reviewer rows of a review follow a change of its resource, and of its due time or close_at_due (the end of their grant)';
CREATE TRIGGER review_resource_sync AFTER UPDATE OF resource_id, due_at, close_at_due ON share_acl.review
    FOR EACH ROW EXECUTE FUNCTION share_acl.review_resource_sync();

-- A review whose last undecided reviewer goes (its account deleted, or its
-- row) while the resource stays is decided by those left, as submit_review
-- closes it, or cancelled when nobody is left: its reviewers lose its grant,
-- and it does not wait for a decision that can no longer come.  One closed
-- already (closed_at, or close_at_due and past its due time) stays as it is.
CREATE FUNCTION share_acl.review_reviewer_gone() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v record;
BEGIN
    FOR v IN SELECT x.id,
                    NOT EXISTS (SELECT 1 FROM share_acl.review_reviewer rr WHERE rr.review_id = x.id) AS nobody
               FROM share_acl.review x
              WHERE x.id IN (SELECT o.review_id FROM old_rows o) AND x.closed_at IS NULL
                AND NOT (x.close_at_due AND x.due_at <= greatest(statement_timestamp(), now()))
                AND EXISTS (SELECT 1 FROM share_acl.resource r WHERE r.id = x.resource_id)
                AND NOT EXISTS (SELECT 1 FROM share_acl.review_reviewer rr
                                 WHERE rr.review_id = x.id AND rr.decision IS NULL)
              ORDER BY x.id
    LOOP
        PERFORM share_acl._close_review(v.id, v.nobody);
    END LOOP;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION share_acl.review_reviewer_gone() IS
    'trigger: a review whose last undecided reviewer is gone closes (decided by those left; cancelled when none is left)';
CREATE TRIGGER review_reviewer_gone AFTER DELETE ON share_acl.review_reviewer
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION share_acl.review_reviewer_gone();

SELECT pg_catalog.pg_extension_config_dump('share_acl.review', '');
SELECT pg_catalog.pg_extension_config_dump('share_acl.review_reviewer', '');
