-- A trusted administrator (a superuser, a member of share_acl_admin) acts
-- without a principal only in its own code: while a SECURITY DEFINER
-- function of a role that is not trusted runs (however deep), or a foreign
-- key's action runs as such a table owner, nothing called is an
-- administrator's call, as PostgreSQL runs such code with its owner's
-- rights.  Each case is run in a fresh backend, where the first share_acl
-- call is made inside the untrusted code (with the library not preloaded it
-- is loaded there, and the function's end is checked instead; the outcome,
-- 42501 and nothing kept, is the same).  Outcomes are shown as SQLSTATEs.
CREATE ROLE definer_frames_tenant LOGIN IN ROLE share_acl_user;
CREATE ROLE definer_frames_ops LOGIN IN ROLE share_acl_admin;
GRANT CREATE ON SCHEMA public TO definer_frames_tenant;
CREATE FUNCTION public.definer_frames_outcome(call text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE call;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
GRANT EXECUTE ON FUNCTION public.definer_frames_outcome(text) TO PUBLIC;
\o /dev/null
SELECT share_acl.create_user('bob@definer-frames.test', 'Bob') AS bob \gset
SELECT share_acl.create_workspace('definer frames', :'bob') AS ws \gset
SELECT share_acl.set_principal(:'bob');
SELECT share_acl.create_resource(:'ws', 'project');
\o
SET ROLE definer_frames_tenant;
-- the tenant's function: make a user and an admin of the workspace
CREATE FUNCTION public.definer_frames_takeover(ws uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE u uuid;
BEGIN
    PERFORM share_acl.set_principal(NULL);
    u := share_acl.create_user('pwn@definer-frames.test', 'pwn');
    PERFORM share_acl.add_member(ws, u, 'admin');
END $$;
-- what invoker_is_admin() answers inside the tenant's code
CREATE FUNCTION public.definer_frames_probe() RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT share_acl.invoker_is_admin() $$;
-- a table of the tenant's whose rows the probe guards, and a foreign key
-- whose cascade fires the tenant's trigger
CREATE TABLE public.definer_frames_report (x int);
INSERT INTO public.definer_frames_report VALUES (1);
ALTER TABLE public.definer_frames_report ENABLE ROW LEVEL SECURITY;
CREATE POLICY probe ON public.definer_frames_report FOR SELECT USING (public.definer_frames_probe());
CREATE TABLE public.definer_frames_parent (id int PRIMARY KEY);
CREATE TABLE public.definer_frames_child (p int REFERENCES public.definer_frames_parent ON DELETE CASCADE);
CREATE FUNCTION public.definer_frames_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM share_acl.create_user('pwn2@definer-frames.test', 'pwn2');
    RETURN OLD;
END $$;
CREATE TRIGGER takeover BEFORE DELETE ON public.definer_frames_child
    FOR EACH ROW EXECUTE FUNCTION public.definer_frames_on_delete();
INSERT INTO public.definer_frames_parent VALUES (1), (2);
INSERT INTO public.definer_frames_child VALUES (1), (2);
GRANT SELECT ON public.definer_frames_report TO PUBLIC;
GRANT SELECT, DELETE ON public.definer_frames_parent, public.definer_frames_child TO PUBLIC;
-- the takeover again, by a function that loads the library with a harmless
-- call first and makes itself SECURITY INVOKER before it ends
CREATE FUNCTION public.definer_frames_takeover_flip(ws uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE u uuid;
BEGIN
    PERFORM share_acl.current_principal();
    PERFORM share_acl.set_principal(NULL);
    u := share_acl.create_user('pwn3@definer-frames.test', 'pwn3');
    PERFORM share_acl.add_member(ws, u, 'admin');
    ALTER FUNCTION public.definer_frames_takeover_flip(uuid) SECURITY INVOKER;
END $$;
-- every chain verified (a trusted administrator's alone), from a parallel
-- worker that runs the tenant's code
CREATE FUNCTION public.definer_frames_verify_all() RETURNS text
LANGUAGE plpgsql PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT pg_catalog.bool_and(ok)::text FROM share_acl.audit_verify(NULL));
END $$;
CREATE FUNCTION public.definer_frames_in_worker() RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET force_parallel_mode = on AS $$
BEGIN
    RETURN QUERY SELECT public.definer_frames_verify_all();
END $$;
-- share_acl's audit trigger as a deferred constraint trigger, naming the
-- workspace's id: it would fire at the commit, outside the tenant's code
CREATE TABLE public.definer_frames_forged (id uuid, note text);
CREATE CONSTRAINT TRIGGER forged AFTER INSERT ON public.definer_frames_forged
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('id');
CREATE FUNCTION public.definer_frames_forge(ws uuid) RETURNS void
LANGUAGE sql SECURITY DEFINER AS $$
    INSERT INTO public.definer_frames_forged VALUES (ws, 'forged') $$;
-- a view of the audit log whose filter hands each row to the tenant's function
CREATE TABLE public.definer_frames_loot (n bigint);
CREATE FUNCTION public.definer_frames_sink(id bigint) RETURNS boolean
LANGUAGE sql SECURITY DEFINER AS $$ INSERT INTO public.definer_frames_loot VALUES (id) RETURNING true $$;
CREATE VIEW public.definer_frames_audit_view AS
    SELECT a.id FROM share_acl.audit_log a WHERE public.definer_frames_sink(a.id);
GRANT SELECT ON public.definer_frames_audit_view, public.definer_frames_loot TO PUBLIC;
-- an audited table of the tenant's whose row a cascade's BEFORE trigger (run
-- as the tenant) points at the workspace's project when the administrator
-- deletes the parent row
CREATE TABLE public.definer_frames_audited (p int REFERENCES public.definer_frames_parent ON DELETE SET NULL,
                                            res uuid, note text);
CREATE TRIGGER audited AFTER INSERT OR UPDATE OR DELETE ON public.definer_frames_audited
    FOR EACH ROW EXECUTE FUNCTION share_acl.audit_trigger('res');
CREATE FUNCTION public.definer_frames_repoint() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.res := (SELECT r.id FROM share_acl.resource r WHERE r.kind = 'project' LIMIT 1);
    NEW.note := 'repointed';
    RETURN NEW;
END $$;
CREATE TRIGGER repoint BEFORE UPDATE ON public.definer_frames_audited
    FOR EACH ROW EXECUTE FUNCTION public.definer_frames_repoint();
INSERT INTO public.definer_frames_parent VALUES (3);
INSERT INTO public.definer_frames_audited VALUES (3, NULL, 'plain');
RESET ROLE;
-- a superuser and a share_acl_admin member call the tenant's function, each
-- in a fresh backend: refused, nothing made
\c - postgres
SELECT public.definer_frames_outcome(format('SELECT public.definer_frames_takeover(%L)', :'ws')) AS superuser_calls;
\c - definer_frames_ops
SELECT public.definer_frames_outcome(format('SELECT public.definer_frames_takeover(%L)', :'ws')) AS admin_calls;
-- inside the tenant's function invoker_is_admin() is false; outside, true
\c - definer_frames_ops
SELECT public.definer_frames_probe() AS probe_first, share_acl.invoker_is_admin() AS outside;
SELECT public.definer_frames_probe() AS probe_again, share_acl.invoker_is_admin() AS outside_again;
-- the tenant's row-level security policy calls it for the administrator's query
SELECT count(*) AS rows_the_probe_lets_through FROM public.definer_frames_report;
-- a foreign key's cascade fires the tenant's trigger as the tenant
\c - definer_frames_ops
SELECT public.definer_frames_outcome('DELETE FROM public.definer_frames_parent WHERE id = 1') AS cascade_as_tenant;
-- the administrator's own calls stay an administrator's, before and after
SELECT share_acl.create_user('ok@definer-frames.test', 'OK') IS NOT NULL AS admin_direct;
SELECT public.definer_frames_outcome(format('SELECT public.definer_frames_takeover(%L)', :'ws')) AS admin_calls_again;
SELECT share_acl.invoker_is_admin() AS still_admin;
-- the function that loads the library first and changes itself before it ends
\c - definer_frames_ops
SELECT public.definer_frames_outcome(format('SELECT public.definer_frames_takeover_flip(%L)', :'ws')) AS flipping_function;
-- the parallel worker (called by the extension's owner)
\c - postgres
SELECT public.definer_frames_outcome('SELECT public.definer_frames_in_worker()') AS verify_all_in_worker;
-- the deferred audit trigger (the administrator commits)
\c - definer_frames_ops
SELECT public.definer_frames_outcome(format('SELECT public.definer_frames_forge(%L)', :'ws')) AS forged_row_queued;
SELECT count(*) AS forged_rows_in_chain FROM share_acl.audit_log
 WHERE workspace_id = :'ws' AND new ->> 'note' = 'forged';
-- the view: the administrator reads every audit row, the tenant's function none
SELECT count(*) > 0 AS admin_reads_log FROM share_acl.audit_log;
SELECT count(*) AS rows_through_view FROM public.definer_frames_audit_view;
SELECT count(*) AS rows_handed_to_tenant FROM public.definer_frames_loot;
-- the audited row the tenant's trigger repointed goes to the chain of rows
-- without a workspace, not to the workspace's
\c - definer_frames_ops
DELETE FROM public.definer_frames_parent WHERE id = 3;
SELECT count(*) FILTER (WHERE workspace_id = :'ws') AS in_workspace_chain,
       count(*) FILTER (WHERE workspace_id IS NULL) AS in_chain_without_workspace
  FROM share_acl.audit_log WHERE new ->> 'note' = 'repointed';
-- a function of a trusted role that calls the tenant's: refused inside, trusted again after
\c - postgres
CREATE FUNCTION public.definer_frames_trusted_wrapper(ws uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE inner_outcome text;
BEGIN
    inner_outcome := public.definer_frames_outcome(
        pg_catalog.format('SELECT public.definer_frames_takeover(%L)', ws));
    RETURN inner_outcome || ', then ' || share_acl.invoker_is_admin();
END $$;
SELECT public.definer_frames_trusted_wrapper(:'ws') AS through_trusted_wrapper;
SELECT count(*) AS pwn_principals FROM share_acl.principal WHERE email LIKE 'pwn%@definer-frames.test';
SELECT count(*) AS members FROM share_acl.member WHERE workspace_id = :'ws';
SELECT proparallel FROM pg_proc WHERE oid = 'share_acl.invoker_is_admin()'::regprocedure;
-- clean up
DROP FUNCTION public.definer_frames_trusted_wrapper(uuid);
DROP OWNED BY definer_frames_tenant;
DROP ROLE definer_frames_tenant, definer_frames_ops;
DROP FUNCTION public.definer_frames_outcome(text);
\o /dev/null
DELETE FROM share_acl.workspace WHERE id = :'ws';
DELETE FROM share_acl.principal WHERE email LIKE '%@definer-frames.test';
\o
