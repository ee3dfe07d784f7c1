-- Review requests (SPEC section 8): request_review, submit_review, cancel_review
-- and the review_status view.  Tables in 025_reviews_model.sql.
--
-- The grant.  A reviewer holds, while the review is open, `commenter` and
-- `approve` on the resource, as far as the requester held them when asking
-- (no escalation: the grant is commenter+approve intersected with E(requester, resource); a
-- trusted administrator without a principal grants both).  It reaches the
-- resource's descendants as a share does (R5), shows in explain_access as
-- rule "review", and ends when the review closes: when every reviewer has
-- decided, when it is cancelled, or -- when asked with close_at_due -- at its
-- due time (the grant's expiry, compared at every check).
--
-- Reviewers: principals (users, external principals, teams of the
-- resource's workspace) by id, and people by e-mail (reviewer_emails): an
-- unknown e-mail becomes an external principal with a guest role in the
-- workspace, as share_with_email does.  A reviewer without a role in the
-- workspace, or external, is refused (42501) while allow_external_sharing
-- is false.
--
-- Decisions: a reviewer (a user among the reviewers, or a member of a team
-- among them, deciding for the team) decides with submit_review, and may
-- change its decision while the review is open; it needs `approve` on the
-- resource.  The review's overall state (review_status.state): cancelled;
-- approved when every reviewer approved; needs_changes when every reviewer
-- decided and one asked for changes; otherwise, past the due time, closed
-- when asked with close_at_due (no decision is taken any more), else
-- overdue (decisions still taken); else pending.
--
-- Errors as in the management API (040_api.sql): NULL 22004, unknown ids
-- P0002, a refusal 42501 (recorded in the audit log), a review no longer
-- open 55000, a bad value 22023.

-- Close a review: its reviewers lose its grant (the change log tells every backend).
-- (Decisions and closings are dated as expiries are judged, at the statement's
-- start or the transaction's when later: a transaction begun before the review
-- was requested dated its decision before the request.)
CREATE FUNCTION share_acl._close_review(review uuid, cancelled boolean) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    at timestamptz := greatest(pg_catalog.statement_timestamp(), pg_catalog.now());
BEGIN
    UPDATE share_acl.review x
       SET closed_at = at, cancelled_at = CASE WHEN cancelled THEN at END
     WHERE x.id = _close_review.review AND x.closed_at IS NULL;
    UPDATE share_acl.review_reviewer rr SET active = false
     WHERE rr.review_id = _close_review.review AND rr.active;
END $$;
COMMENT ON FUNCTION share_acl._close_review(uuid, boolean) IS
    'internal: close a review (cancelled or decided): its reviewers lose its grant';

CREATE FUNCTION share_acl.request_review(resource uuid, reviewers uuid[],
                                         due_at timestamptz DEFAULT NULL,
                                         instructions text DEFAULT NULL,
                                         reviewer_emails text[] DEFAULT NULL,
                                         close_at_due boolean DEFAULT false)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor(request_review.resource);
    r share_acl.resource;
    w share_acl.workspace;
    g share_acl.principal;
    who uuid[] := '{}'::uuid[];
    by_email uuid[] := '{}'::uuid[];
    outsider uuid;
    e text;
    p uuid;
    grant_perms share_acl.permset;
    role share_acl.workspace_role;
    rid uuid;
BEGIN
    IF resource IS NULL OR close_at_due IS NULL THEN
        RAISE EXCEPTION 'request_review: resource and close_at_due must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF array_ndims(reviewers) > 1 OR array_ndims(reviewer_emails) > 1 THEN
        RAISE EXCEPTION 'request_review: reviewers and reviewer_emails must be one-dimensional arrays'
            USING ERRCODE = 'array_subscript_error';
    END IF;
    IF array_position(reviewers, NULL) IS NOT NULL OR array_position(reviewer_emails, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'request_review: a reviewer must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF coalesce(cardinality(reviewers), 0) + coalesce(cardinality(reviewer_emails), 0) = 0 THEN
        RAISE EXCEPTION 'request_review: at least one reviewer is needed'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(cardinality(reviewers), 0) + coalesce(cardinality(reviewer_emails), 0) > 1000 THEN
        RAISE EXCEPTION 'request_review: at most 1000 reviewers' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF length(instructions) > 10000 THEN
        RAISE EXCEPTION 'request_review: the instructions are longer than 10000 characters'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    r := share_acl._get_resource(resource);
    PERFORM share_acl._require(actor, resource, 'share', 'request_review');
    w := share_acl._get_policies(r.workspace_id);
    -- (asked again: the policies' lock may have waited for a change of rights)
    PERFORM share_acl._require(actor, resource, 'share', 'request_review');
    IF due_at <= greatest(pg_catalog.statement_timestamp(), pg_catalog.now()) THEN
        RAISE EXCEPTION 'request_review: due_at % is not in the future', due_at
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF close_at_due AND due_at IS NULL THEN
        RAISE EXCEPTION 'request_review: close_at_due needs a due_at' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- (an e-mail names a principal, known or new: checked as the others)
    FOREACH e IN ARRAY coalesce(reviewer_emails, '{}') LOOP
        by_email := by_email || share_acl._principal_for_email(r, e, 'request_review');
    END LOOP;
    IF cardinality(reviewer_emails) > 0 THEN
        -- (asked again: a new principal may have waited for another
        -- transaction creating it, which may also have taken the caller's
        -- rights)
        PERFORM share_acl._require(actor, resource, 'share', 'request_review');
    END IF;
    -- what the reviewers get: commenter and approve, within what the requester holds
    grant_perms := 'commenter,approve'::share_acl.permset;
    IF actor IS NOT NULL THEN
        grant_perms := grant_perms OPERATOR(share_acl.&)
                       coalesce(share_acl.effective_permissions(actor, resource), ''::share_acl.permset);
    END IF;
    FOREACH p IN ARRAY coalesce(reviewers, '{}') || by_email LOOP
        g := share_acl._get_principal(p);
        IF g.kind = 'team' AND g.workspace_id IS DISTINCT FROM r.workspace_id THEN
            RAISE EXCEPTION 'team % belongs to another workspace than resource %', p, resource
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF NOT w.allow_external_sharing THEN
            outsider := share_acl._outsider_in(g.id, w.id);
            IF outsider IS NOT NULL THEN
                PERFORM share_acl._deny(request_review.resource,
                    pg_catalog.format('permission denied: the workspace policy allow_external_sharing forbids a review by %s%s',
                                      share_acl._outsider_label(outsider), CASE WHEN outsider <> p THEN pg_catalog.format(' (a member of team %s)', p) ELSE '' END),
                    NULL, 'Reviewers without a role in the workspace (outsiders, also as members of a team named) are refused while allow_external_sharing is false.');
            END IF;
        END IF;
        who := who || p;
    END LOOP;
    -- (a review of what its reviewers may not see would tell them of it, and
    -- its instructions, and could never be decided; asked after the policy
    -- on outsiders, whose refusal is audited)
    IF NOT ('view'::share_acl.permset OPERATOR(share_acl.<@) grant_perms) THEN
        RAISE EXCEPTION 'request_review: the reviewers would not get view on the resource'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Reviewers hold commenter and approve as far as the requester does: the requester needs view on the resource.';
    END IF;
    -- a viewer could never decide: the role's cap (R9) removes approve; the
    -- requester reviewing itself would give itself access past what gives it
    -- now (as a share to oneself would)
    FOREACH p IN ARRAY who LOOP
        IF p = actor THEN
            RAISE EXCEPTION 'request_review: the requester cannot be a reviewer of its own request'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'A reviewer holds commenter and approve on the resource while the review is open, whatever else changes.';
        END IF;
        role := share_acl._role(w.id, p);
        IF role = 'viewer' THEN
            RAISE EXCEPTION 'request_review: reviewer % has the viewer role in the workspace, which cannot approve', p
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'A viewer''s permissions are capped to view, comment, annotate and download (R9): give the reviewer another role, or ask someone else.';
        END IF;
        -- a guest or an outsider while the workspace disables guest access
        -- holds nothing (R3): named, its review could not be decided
        IF NOT w.guest_access_enabled AND coalesce(role::text, '') NOT IN ('owner', 'admin', 'member')
           AND (SELECT x.kind FROM share_acl.principal x WHERE x.id = p) <> 'team' THEN
            RAISE EXCEPTION 'request_review: reviewer % is a guest or has no role in the workspace, and the workspace disables guest access', p
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'Guests and principals without a role hold nothing while guest access is disabled (R3): the reviewer could not decide the review.',
                      HINT = 'Ask a member, or enable guest access first (set_workspace_policy).';
        END IF;
        -- (a team with nobody else in it who could decide is the requester,
        -- or a viewer, or while guest access is disabled a guest or outsider,
        -- named: its review could never be decided, and a requester in it
        -- would hold the grant past its own access)
        IF NOT share_acl._could_decide(p, actor, w.id) THEN
            RAISE EXCEPTION 'request_review: nobody in team % could decide the review', p
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'Its members, at any depth, are the requester (who cannot decide its own review), have the viewer role, or are guests or have no role while the workspace disables guest access; or it has none.',
                      HINT = 'Name a team with other members, or the reviewers themselves.';
        END IF;
    END LOOP;

    INSERT INTO share_acl.review AS v (resource_id, requested_by, instructions, due_at, close_at_due, perms)
    VALUES (resource, actor, instructions, due_at, close_at_due, grant_perms)
    RETURNING v.id INTO rid;
    INSERT INTO share_acl.review_reviewer (review_id, reviewer_id, resource_id, perms, expires_at)
    SELECT DISTINCT rid, x, resource, grant_perms, CASE WHEN close_at_due THEN due_at END
      FROM unnest(who) AS x;
    PERFORM share_acl._notify(who, 'review_requested', resource,
        pg_catalog.jsonb_build_object('review_id', rid, 'by', actor, 'due_at', due_at,
                                      'instructions', instructions));
    RETURN rid;
END $$;
COMMENT ON FUNCTION share_acl.request_review(uuid, uuid[], timestamptz, text, text[], boolean) IS
    'ask principals (and people by e-mail) to review a resource (needs share); while the review is open they hold commenter and approve on it, as far as the requester does; returns the review id';

-- May someone decide for this reviewer: a person (at any depth of team
-- membership when it is a team) other than the requester, without the
-- viewer role in the workspace (R9 caps a viewer's approve away), and while
-- the workspace disables guest access an owner, admin or member (R3: guests
-- and outsiders hold nothing)?
CREATE FUNCTION share_acl._could_decide(reviewer uuid, requester uuid, workspace uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM share_acl._persons_in($1) AS m(id)
                    WHERE m.id IS DISTINCT FROM $2 AND share_acl._role($3, m.id) IS DISTINCT FROM 'viewer'
                      AND (share_acl._role($3, m.id) IN ('owner', 'admin', 'member')
                           OR (SELECT w.guest_access_enabled FROM share_acl.workspace w WHERE w.id = $3)))
$$;
COMMENT ON FUNCTION share_acl._could_decide(uuid, uuid, uuid) IS
    'internal: whether a person other than the requester, without the viewer role, and (while the workspace disables guest access) an owner, admin or member, is the reviewer or in it (a team, at any depth)';

-- The reviewer rows that the actor decides for: its own, then those of the
-- teams it belongs to (directly or through nested teams, at any depth), by
-- id; NULL when none.
CREATE FUNCTION share_acl._reviewer_rows_of(review uuid, actor uuid) RETURNS uuid[]
LANGUAGE sql STABLE SET jit = off AS $$
    WITH RECURSIVE t(id) AS (
        SELECT $2
        UNION
        SELECT tm.team_id FROM share_acl.team_member tm JOIN t ON tm.member_id = t.id
    )
    SELECT pg_catalog.array_agg(rr.reviewer_id ORDER BY rr.reviewer_id = $2 DESC, rr.reviewer_id)
      FROM share_acl.review_reviewer rr JOIN t ON t.id = rr.reviewer_id
     WHERE rr.review_id = $1
$$;
COMMENT ON FUNCTION share_acl._reviewer_rows_of(uuid, uuid) IS
    'internal: the reviewer rows that the actor decides for: its own, then those of the teams it belongs to (at any depth) by id; NULL when none';

-- The review row, or P0002; locked, until the end of the transaction (a
-- decision and a cancel of one review take turns).  The calls read it
-- unlocked first and check their caller, then locked and check again: a
-- refused caller, who may name any review by its id, holds nothing.
CREATE FUNCTION share_acl._get_review(review uuid, locked boolean) RETURNS share_acl.review
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v share_acl.review;
    r uuid;
BEGIN
    IF locked THEN
        -- the review's resource row (FOR KEY SHARE, as the notification the
        -- call writes will) before the review's: delete_resource locks its
        -- subtree's rows, then their reviews, and the two orders deadlocked;
        -- a review moved to another resource meanwhile is taken again
        LOOP
            SELECT x.resource_id INTO r FROM share_acl.review x WHERE x.id = _get_review.review;
            EXIT WHEN NOT FOUND;
            PERFORM FROM share_acl.resource x WHERE x.id = r FOR KEY SHARE;
            SELECT * INTO v FROM share_acl.review x WHERE x.id = _get_review.review FOR UPDATE;
            EXIT WHEN NOT FOUND OR v.resource_id = r;
        END LOOP;
    ELSE
        SELECT * INTO v FROM share_acl.review x WHERE x.id = _get_review.review;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'review % does not exist', review USING ERRCODE = 'no_data_found';
    END IF;
    IF locked THEN
        -- (the caller's checks after it see what the row's writer committed)
        PERFORM share_acl._see_committed();
    END IF;
    RETURN v;
END $$;
COMMENT ON FUNCTION share_acl._get_review(uuid, boolean) IS
    'internal: the review row (locked FOR UPDATE when asked), or ERROR P0002';

CREATE FUNCTION share_acl.submit_review(review uuid, decision text, note text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor((SELECT v.resource_id FROM share_acl.review v WHERE v.id = submit_review.review));
    v share_acl.review;
    who uuid[];
BEGIN
    IF review IS NULL OR decision IS NULL THEN
        RAISE EXCEPTION 'submit_review: review and decision must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF decision NOT IN ('approved', 'needs_changes') THEN
        RAISE EXCEPTION 'submit_review: decision must be approved or needs_changes, not "%"', left(decision, 100)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF length(note) > 10000 THEN
        RAISE EXCEPTION 'submit_review: the note is longer than 10000 characters'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- (on the review as it is, then once more on its locked row)
    FOR locked IN 0 .. 1 LOOP
        v := share_acl._get_review(submit_review.review, locked = 1);
        IF actor IS NULL THEN
            PERFORM share_acl._deny(v.resource_id,
                'permission denied: submit_review needs a principal (the reviewer deciding)');
        END IF;
        -- (the requester may be in a team it asked: it still cannot decide)
        IF actor = v.requested_by THEN
            PERFORM share_acl._deny(v.resource_id,
                pg_catalog.format('permission denied: principal %s requested review %s and cannot decide it', actor, v.id));
        END IF;
        -- (every row it stands for: its own and each reviewing team's it is
        -- in, which it alone may be left to decide)
        who := share_acl._reviewer_rows_of(v.id, actor);
        IF who IS NULL THEN
            PERFORM share_acl._deny(v.resource_id,
                pg_catalog.format('permission denied: principal %s is not a reviewer of review %s', actor, v.id));
        END IF;
        IF v.closed_at IS NOT NULL OR (v.close_at_due AND v.due_at <= greatest(pg_catalog.statement_timestamp(), pg_catalog.now())) THEN
            RAISE EXCEPTION 'review % is no longer open', v.id USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        PERFORM share_acl._require(actor, v.resource_id, 'approve', 'submit_review');
    END LOOP;
    -- a decision writes the review's row (changing nothing in it): two
    -- reviewers deciding at once in REPEATABLE READ, where the second would
    -- not see the first's decision and leave the review open, fail to
    -- serialize instead (READ COMMITTED: the second waits and sees it)
    UPDATE share_acl.review x SET closed_at = x.closed_at WHERE x.id = v.id;
    -- (the actor's own row, as decided_by's foreign key will lock it: an
    -- account deleted while the decision waited decides nothing, also for a
    -- team it was in, whose row is still there)
    PERFORM FROM share_acl.principal x WHERE x.id = actor FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'principal % is no longer a reviewer of review %', actor, v.id
            USING ERRCODE = 'no_data_found',
                  DETAIL = 'Its account was deleted while the decision waited for it.';
    END IF;
    -- (a row deleted meanwhile, the reviewer's account with it, is not
    -- decided: only those written are, and told)
    WITH decided AS (
        UPDATE share_acl.review_reviewer rr
           SET decision = submit_review.decision, note = submit_review.note,
               decided_at = greatest(pg_catalog.statement_timestamp(), pg_catalog.now()), decided_by = actor
         WHERE rr.review_id = v.id AND rr.reviewer_id = ANY (who)
        RETURNING rr.reviewer_id)
    SELECT pg_catalog.array_agg(d.reviewer_id ORDER BY d.reviewer_id = actor DESC, d.reviewer_id)
      INTO who FROM decided d;
    IF who IS NULL THEN
        RAISE EXCEPTION 'principal % is no longer a reviewer of review %', actor, v.id
            USING ERRCODE = 'no_data_found',
                  DETAIL = 'Its reviewer rows were deleted while the decision waited for them.';
    END IF;
    PERFORM share_acl._notify(ARRAY[v.requested_by], 'review_decided', v.resource_id,
        pg_catalog.jsonb_build_object('review_id', v.id, 'reviewer_id', who[1], 'reviewer_ids', who,
                                      'by', actor, 'decision', decision, 'note', note));
    IF NOT EXISTS (SELECT 1 FROM share_acl.review_reviewer rr WHERE rr.review_id = v.id AND rr.decision IS NULL) THEN
        PERFORM share_acl._close_review(v.id, false);
    END IF;
END $$;
COMMENT ON FUNCTION share_acl.submit_review(uuid, text, text) IS
    'decide a review as one of its reviewers (approved or needs_changes; needs approve on the resource), for itself and each reviewing team it is in; the review closes when every reviewer has decided';

CREATE FUNCTION share_acl.cancel_review(review uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    actor uuid := share_acl._actor((SELECT v.resource_id FROM share_acl.review v WHERE v.id = cancel_review.review));
    v share_acl.review;
BEGIN
    IF review IS NULL THEN
        RAISE EXCEPTION 'cancel_review: review must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- (on the review as it is, then once more on its locked row)
    FOR locked IN 0 .. 1 LOOP
        v := share_acl._get_review(cancel_review.review, locked = 1);
        PERFORM share_acl._require_manager(actor, v.resource_id, v.requested_by, 'requester of review ' || v.id,
                                           'cancel_review');
        IF v.closed_at IS NOT NULL OR (v.close_at_due AND v.due_at <= greatest(pg_catalog.statement_timestamp(), pg_catalog.now())) THEN
            RAISE EXCEPTION 'review % is no longer open', v.id USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
    END LOOP;
    -- (told before the review closes: a reviewer whom only its grant lets
    -- view the resource still holds something on it)
    PERFORM share_acl._notify(
        array_remove(array_append(ARRAY(SELECT rr.reviewer_id FROM share_acl.review_reviewer rr
                                         WHERE rr.review_id = v.id ORDER BY rr.reviewer_id),
                                  v.requested_by), NULL),
        'review_cancelled', v.resource_id,
        pg_catalog.jsonb_build_object('review_id', v.id, 'by', actor));
    PERFORM share_acl._close_review(v.id, true);
END $$;
COMMENT ON FUNCTION share_acl.cancel_review(uuid) IS
    'cancel an open review (its requester, or who has change_permissions on the resource): its reviewers lose its grant and are told (review_cancelled), as is its requester';

-- Each reviewer's decision per review (SPEC section 2), and the review's overall
-- state.  Rows of the reviews on resources the current principal may view
-- (a trusted administrator without one: all).
CREATE VIEW share_acl.review_status WITH (security_barrier) AS
SELECT s.review_id, s.resource_id, s.reviewer_id, s.decision, s.decided_at, s.due_at,
       -- (closed at its due time with a decision missing: so it stays when
       -- an undecided reviewer's row goes later, its account deleted)
       CASE WHEN s.cancelled_at IS NOT NULL THEN 'cancelled'
            WHEN s.closed_at IS NULL AND s.close_at_due
                 AND s.due_at <= greatest(pg_catalog.statement_timestamp(), pg_catalog.now()) THEN 'closed'
            WHEN s.undecided = 0 AND s.changes = 0 THEN 'approved'
            WHEN s.undecided = 0 THEN 'needs_changes'
            WHEN s.due_at <= greatest(pg_catalog.statement_timestamp(), pg_catalog.now()) THEN 'overdue'
            ELSE 'pending' END AS state,
       s.note, s.requested_by, s.instructions, s.created_at,
       coalesce(s.closed_at, CASE WHEN s.close_at_due AND s.due_at <= greatest(pg_catalog.statement_timestamp(), pg_catalog.now()) THEN s.due_at END) AS closed_at,
       s.close_at_due
  FROM (SELECT rr.review_id, v.resource_id, rr.reviewer_id, rr.decision, rr.decided_at, v.due_at,
               rr.note, v.requested_by, v.instructions, v.created_at, v.closed_at, v.cancelled_at,
               v.close_at_due,
               count(*) FILTER (WHERE rr.decision IS NULL) OVER w AS undecided,
               count(*) FILTER (WHERE rr.decision = 'needs_changes') OVER w AS changes
          FROM share_acl.review v
          JOIN share_acl.review_reviewer rr ON rr.review_id = v.id
         WHERE CASE WHEN share_acl.current_principal() IS NULL THEN share_acl.invoker_is_admin()
                    ELSE coalesce(share_acl.has_access(share_acl.current_principal(), v.resource_id, 'view'),
                                  false) END
        WINDOW w AS (PARTITION BY rr.review_id)) s;
COMMENT ON VIEW share_acl.review_status IS
    'each reviewer''s decision per review (review_id, resource_id, reviewer_id, decision, decided_at, due_at), the review''s state (pending, approved, needs_changes, cancelled, closed at its due time, overdue), the note and the request; rows of reviews on resources the current principal may view';
