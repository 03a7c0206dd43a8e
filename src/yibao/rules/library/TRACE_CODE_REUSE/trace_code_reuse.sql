-- 追溯码重复: a drug pack's traceability code sold again after its first sale (回流药/串换).
-- One finding per later sale line; the first sale of each code (by time, then line id) is
-- not reported. Codes shorter than min_code_len (e.g. 13-digit 69… commodity barcodes,
-- which every box of a product shares) are not traceability codes and are skipped.
-- Amount: the line's amount shared equally among its codes, for the repeated ones.
WITH r AS (
  SELECT t.*,
         count(*) OVER (PARTITION BY t.feedetl_sn) AS reused_codes,
         sum(t.det_item_fee_sumamt / t.line_codes) OVER (PARTITION BY t.feedetl_sn) AS reused_amt,
         max(t.multi_inst) OVER (PARTITION BY t.feedetl_sn) AS any_multi_inst,
         max(t.multi_city) OVER (PARTITION BY t.feedetl_sn) AS any_multi_city,
         max(t.sales) OVER (PARTITION BY t.feedetl_sn) AS max_sales,
         row_number() OVER (PARTITION BY t.feedetl_sn ORDER BY t.sale_seq DESC, t.trac_code) AS rn
  FROM trace_reuse AS t
  WHERE t.sale_seq > 1 AND length(t.trac_code) >= :min_code_len
)
SELECT r.feedetl_sn, r.mdtrt_id, r.psn_no, r.fixmedins_code, r.bilg_dr_codg AS prac_code,
       CAST(round(r.reused_amt, 2) AS DECIMAL(18, 2)) AS amount, r.med_list_codg, r.trac_code,
       r.reused_codes, r.line_codes, r.sale_seq, r.max_sales, r.first_feedetl_sn, r.first_fixmedins_code,
       coalesce(r.first_city, '—') AS first_city, CAST(r.first_time AS VARCHAR) AS first_time,
       CASE WHEN r.first_fixmedins_code = r.fixmedins_code THEN '本机构' ELSE '其他机构' END AS first_where,
       least(1.0, 0.7 + 0.1 * r.any_multi_inst + 0.1 * r.any_multi_city + 0.05 * (r.max_sales - 2)) AS score
FROM r
WHERE r.rn = 1
