-- 未按规定折价收费: when code_a and code_b are billed for one person at one institution on the same
-- day (scope `day`, the default) or in the same encounter (scope `encounter`), code_b may cost at
-- most ratio × its standard price. When code_a = code_b (second and later operations through one
-- incision) the first line is the full-price one and each later line must be discounted.
-- Pairs come from item_rule_code, so `;` lists, `X*` prefixes, med_type lists and effective dates
-- of the knowledge table apply as in every other item_rule template. A line that breaks several
-- discount pairs is reported once, under the strictest ratio.
WITH pairs AS (
  SELECT DISTINCT code_a, code_b, ratio, scope, med_type, rule_begin, rule_end
  FROM item_rule_code
  WHERE relation = 'discount' AND violation = 'OVER_PRICE' AND ratio IS NOT NULL AND code_b IS NOT NULL
),
hit AS (
  SELECT b.feedetl_sn, b.mdtrt_id, b.psn_no, b.fixmedins_code, b.bilg_dr_codg AS prac_code,
         CAST(round((b.pric - p.ratio * b.std_pric) * b.cnt, 2) AS DECIMAL(18,2)) AS amount,
         b.med_list_codg, b.item_name, b.pric, b.std_pric, p.ratio, p.code_a,
         CAST(round(p.ratio * b.std_pric, 2) AS DECIMAL(18,2)) AS allowed,
         row_number() OVER (PARTITION BY b.feedetl_sn ORDER BY p.ratio, p.code_a) AS rn
  FROM fee_ctx AS b
  JOIN pairs AS p ON p.code_b = b.med_list_codg
  JOIN fee_ctx AS a
    ON a.med_list_codg = p.code_a AND a.psn_no = b.psn_no AND a.fixmedins_code = b.fixmedins_code
   AND a.feedetl_sn <> b.feedetl_sn
   AND ((p.scope = 'day' AND a.fee_date = b.fee_date) OR (p.scope = 'encounter' AND a.mdtrt_id = b.mdtrt_id))
  WHERE b.std_pric IS NOT NULL
    AND b.pric > p.ratio * b.std_pric + 0.005
    AND b.fee_date BETWEEN p.rule_begin AND p.rule_end
    AND (p.med_type IS NULL OR p.med_type = b.med_type)
    AND (p.code_a <> p.code_b OR a.fee_ocur_time < b.fee_ocur_time
         OR (a.fee_ocur_time = b.fee_ocur_time AND a.feedetl_sn < b.feedetl_sn))
)
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, prac_code, amount, med_list_codg, item_name, pric,
       std_pric, ratio, code_a, allowed
FROM hit WHERE rn = 1
