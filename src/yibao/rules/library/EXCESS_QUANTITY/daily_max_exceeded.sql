-- 超单日最大数量: a person's units of one catalogue item on one day beyond the catalogue's
-- max_daily_cnt (the row in force that day), counted over all encounters and institutions in
-- charge order; the lines past the maximum are reported with the excess part as the amount.
-- Computed once in prelude/10_item_rules.sql (limit_breach, source catalog). TCM therapies are
-- reported as TCM_ABUSE.
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code, excess_amount AS amount,
       med_list_codg, item_name, limit_text, found_text
FROM limit_breach
WHERE limit_source = 'catalog' AND NOT is_tcm_therapy
