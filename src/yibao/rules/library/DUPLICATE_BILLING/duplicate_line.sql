-- 重复收费（同一项目重复计费）: a line that repeats an earlier line of the same encounter exactly —
-- same item, same charge time, same quantity and price — as when one operation, examination or
-- day's bed is entered twice. The first line (by line id) stands; each copy is reported, the
-- whole copy as amount. Found once in prelude/10_item_rules.sql (fee_dup), which also keeps the
-- copies out of the quantity limits. Drugs and decoction pieces are left out: pharmacies and
-- dispensaries legitimately scan packs one line each at the same second.
SELECT f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.bilg_dr_codg AS prac_code,
       f.det_item_fee_sumamt AS amount, f.med_list_codg, f.item_name, d.first_sn,
       CAST(f.fee_ocur_time AS VARCHAR) AS fee_time
FROM fee_dup AS d
JOIN fee_ctx AS f ON f.feedetl_sn = d.feedetl_sn
WHERE f.list_type IN ('201', '301')
