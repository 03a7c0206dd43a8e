-- 死亡后就医: an encounter that starts after the person's date of death, or net charges
-- dated after it. Care and charges on the day of death itself are normal and not reported.
-- Amount: the net lines dated after death; for an encounter with no lines, its settled total.
WITH d AS (
  SELECT psn_no, min(dead_date) AS dead_date FROM death GROUP BY psn_no
),
late AS (
  SELECT f.mdtrt_id, sum(f.det_item_fee_sumamt) AS late_amt, count(*) AS late_lines, max(f.fee_date) AS last_fee_date
  FROM fee_ctx AS f JOIN d ON d.psn_no = f.psn_no
  WHERE f.fee_date > d.dead_date
  GROUP BY f.mdtrt_id
)
SELECT e.mdtrt_id, e.psn_no, e.fixmedins_code, e.atddr_no AS prac_code, d.dead_date, e.begn_date,
       coalesce(l.late_amt, CASE WHEN e.begn_date > d.dead_date THEN e.medfee_sumamt ELSE 0 END) AS amount,
       coalesce(l.late_lines, 0) AS late_lines,
       coalesce(l.last_fee_date, e.begn_date) AS last_date,
       date_diff('day', d.dead_date, coalesce(l.last_fee_date, e.begn_date)) AS days_after
FROM enc_ctx AS e
JOIN d ON d.psn_no = e.psn_no
LEFT JOIN late AS l ON l.mdtrt_id = e.mdtrt_id
WHERE e.begn_date > d.dead_date OR l.mdtrt_id IS NOT NULL
