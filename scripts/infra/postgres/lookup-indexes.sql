-- Lets PostgreSQL find FerretDB's documents through the indexes the services declare.
--
-- FerretDB v1 turns an equality filter into `_jsonb->$1 @> $2` and creates a MongoDB index as a
-- B-tree over `(_jsonb->'field')`. A B-tree cannot answer `@>`, so every find was a sequential
-- scan. For every such B-tree, this adds a GIN index (jsonb_path_ops) over the same fields, which
-- answers `@>` once the planner sees the field name as a constant (custom plans: the server runs
-- with plan_cache_mode=force_custom_plan). The local store then finds documents by key the way
-- MongoDB does in production. Run at every start of the local PostgreSQL: it is idempotent, and it
-- also covers tables created before it was installed. A dropped MongoDB index leaves its GIN twin
-- behind (it costs writes, never answers); dropping the collection drops both.

CREATE OR REPLACE FUNCTION public.ferretdb_lookup_indexes(idx oid) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  tbl oid;
  schema_name text;
  table_name text;
  am text;
  n int;
  expr text;
  parts text[];
  lookup text;
  name text;
BEGIN
  SELECT i.indrelid, ns.nspname, t.relname, a.amname, i.indnkeyatts
    INTO tbl, schema_name, table_name, am, n
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am a ON a.oid = c.relam
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace ns ON ns.oid = t.relnamespace
   WHERE i.indexrelid = idx;
  -- Only FerretDB's own B-trees over its documents column (this function's GIN indexes fire the
  -- trigger too, and end here).
  IF am IS DISTINCT FROM 'btree' OR table_name LIKE '\_ferretdb%' THEN
    RETURN;
  END IF;
  FOR k IN 1..n LOOP
    expr := pg_get_indexdef(idx, k, false);
    -- `(_jsonb -> 'a'::text)` or `((_jsonb -> 'a'::text) -> 'b'::text)`, and nothing else.
    IF regexp_replace(regexp_replace(expr, '''[A-Za-z0-9_]+''::text', '', 'g'), '[() ]|->', '', 'g')
       <> '_jsonb' THEN
      CONTINUE;
    END IF;
    parts := ARRAY(SELECT m[1] FROM regexp_matches(expr, '''([A-Za-z0-9_]+)''::text', 'g') AS m);
    -- The expression FerretDB's filters use: `->` for a top-level field, `#>` for a dotted path.
    IF array_length(parts, 1) = 1 THEN
      lookup := format('(_jsonb -> %L)', parts[1]);
    ELSE
      lookup := format('(_jsonb #> %L)', '{' || array_to_string(parts, ',') || '}');
    END IF;
    name := 'lookup_' || substr(md5(table_name || '/' || array_to_string(parts, '.')), 1, 20);
    -- fastupdate off: a search need not read a long list of pending entries under heavy inserts.
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin (%s jsonb_path_ops) WITH (fastupdate = off)',
                   name, schema_name, table_name, lookup);
  END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION public.ferretdb_lookup_indexes_on_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT objid FROM pg_event_trigger_ddl_commands()
            WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
    PERFORM public.ferretdb_lookup_indexes(r.objid);
  END LOOP;
END
$fn$;

DROP EVENT TRIGGER IF EXISTS ferretdb_lookup_indexes;
CREATE EVENT TRIGGER ferretdb_lookup_indexes ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION public.ferretdb_lookup_indexes_on_ddl();

-- Tables created before the trigger existed.
SELECT public.ferretdb_lookup_indexes(i.indexrelid)
  FROM pg_index i
  JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace ns ON ns.oid = t.relnamespace
 WHERE ns.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast');
