-- 检查化验未达最短间隔（item_limit）: a lab or imaging test charged for one person fewer than the
-- item_limit row's min_interval_days after the last earlier charge that kept the interval itself
-- (a too-early repeat does not make the regular charge after it too early as well). Computed once
-- in prelude/10_item_rules.sql (limit_breach, kind interval); the other kinds of item_limit breach
-- of lab items are EXCESS_QUANTITY.
WITH b AS (
  SELECT lb.*, row_number() OVER (PARTITION BY feedetl_sn ORDER BY excess_amount DESC, limit_key) AS rn
  FROM limit_breach AS lb
  WHERE limit_source = 'item_limit' AND kind = 'interval' AND is_lab AND NOT is_tcm_therapy
)
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code, excess_amount AS amount,
       med_list_codg, item_name, limit_text, found_text
FROM b
WHERE rn = 1
