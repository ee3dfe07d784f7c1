-- The share_acl demo: what the extension answers, on an example workspace.
\pset footer off
CREATE EXTENSION share_acl;
SET search_path = share_acl, public;

\echo
\echo '--- permission sets: named levels expand to flags'
SELECT name, name::permset AS flags, permset_level(name::permset) AS level
FROM unnest(ARRAY['viewer', 'commenter', 'editor']) AS name;

\echo '--- a share of "editor" with downloads and contribution switched off (rule R6)'
SELECT 'editor'::permset - 'download' - 'upload,edit,rename,move,copy,delete_own,delete' AS masked;

\echo '--- does an editor share cover "comment, download"?'
SELECT 'editor'::permset @> 'comment,download' AS editor_can, 'commenter'::permset @> 'comment,download' AS commenter_can;

\echo '--- union of what three shares give'
SELECT permset_union(p) AS union_of_shares, permset_level(permset_union(p)) AS level
FROM (VALUES ('viewer'::permset), ('comment'), ('download')) AS shares(p);
