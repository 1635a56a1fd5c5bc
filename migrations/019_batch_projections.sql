-- A projection statement that applies a group-committed batch of events touches one row per
-- event; any other count is a bug that must roll the append back (expect_one_row, for batches).
create function expect_rows(touched bigint, expected bigint, projection text) returns void language plpgsql as $$
begin
  if touched <> expected then
    raise exception 'projection % touched % rows, expected %', projection, touched, expected;
  end if;
end
$$;
