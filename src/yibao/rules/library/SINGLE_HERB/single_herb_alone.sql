-- A decoction piece not paid when prescribed alone (单味使用不予支付) that is the only decoction
-- piece of its encounter on that day: a prescription is taken as one encounter-day.
WITH herbs AS (
  SELECT mdtrt_id, fee_date, count(DISTINCT med_list_codg) AS n_herbs
  FROM fee_ctx WHERE list_type = '102' GROUP BY mdtrt_id, fee_date
)
SELECT f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.bilg_dr_codg AS prac_code,
       f.det_item_fee_sumamt AS amount, f.med_list_codg, f.item_name, f.fee_date
FROM fee_ctx AS f
JOIN herbs AS h ON h.mdtrt_id = f.mdtrt_id AND h.fee_date = f.fee_date
WHERE f.list_type = '102' AND f.single_herb_unpaid AND h.n_herbs = 1
