-- 住院时间重叠: a person admitted as an inpatient while an earlier inpatient stay (at any
-- institution, the same one included) is still open. The later-admitted stay is reported,
-- once, against the earliest stay it overlaps. Transfers are normal: an admission on the
-- earlier stay's discharge date is no overlap, so the later stay must begin strictly before
-- that date. overlap_days = days both stays hold (算头不算尾, at least 1).
WITH pair AS (
  SELECT b.mdtrt_id, b.psn_no, b.fixmedins_code, b.atddr_no AS prac_code, b.medfee_sumamt AS amount,
         a.mdtrt_id AS other_mdtrt_id, a.fixmedins_code AS other_fixmedins_code,
         a.begn_date AS other_begn_date, a.end_date AS other_end_date, b.begn_date, b.end_date,
         greatest(1, date_diff('day', b.begn_date, least(a.end_date, b.end_date))) AS overlap_days,
         row_number() OVER (PARTITION BY b.mdtrt_id ORDER BY a.begntime, a.mdtrt_id) AS rn
  FROM ip_stay AS b
  JOIN ip_stay AS a
    ON a.psn_no = b.psn_no
   AND a.mdtrt_id <> b.mdtrt_id
   AND (a.begntime < b.begntime OR (a.begntime = b.begntime AND a.mdtrt_id < b.mdtrt_id))
  WHERE b.begn_date < a.end_date
)
SELECT p.*, CASE WHEN p.other_fixmedins_code = p.fixmedins_code THEN '本院' ELSE '另一机构' END AS where_label
FROM pair AS p
WHERE p.rn = 1 AND p.overlap_days > :max_overlap_days
