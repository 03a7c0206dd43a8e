-- A unit price above the ceiling in force on the charge date (超限定单价收费). Exactly at the
-- ceiling is clean; the amount in question is the excess over the ceiling.
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code,
       CAST(round((pric - pric_uplmt) * cnt, 2) AS DECIMAL(18,2)) AS amount,
       med_list_codg, item_name, pric, pric_uplmt, cnt
FROM fee_ctx
WHERE pric_uplmt IS NOT NULL AND pric > pric_uplmt
