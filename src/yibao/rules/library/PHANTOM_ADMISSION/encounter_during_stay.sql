-- 住院期间他处就医: an inpatient stay during which the same person had an outpatient (11 普通门诊,
-- 14 门诊慢特病) or pharmacy (41) encounter at another institution on a day strictly inside the
-- stay. Admission and discharge days are left out: care elsewhere on those days is a normal
-- transfer or the visit that led to the admission. The stay is reported: the institution that
-- holds the bed answers for a patient who was elsewhere (挂床/虚假住院); the outside encounters
-- are named in the evidence. Amount: the stay's settled cost.
WITH hit AS (
  SELECT s.mdtrt_id, o.mdtrt_id AS out_mdtrt_id, o.fixmedins_code AS out_fixmedins_code, o.begn_date AS out_date,
         o.med_type AS out_med_type,
         count(*) OVER (PARTITION BY s.mdtrt_id) AS n_out,
         row_number() OVER (PARTITION BY s.mdtrt_id ORDER BY o.begntime, o.mdtrt_id) AS rn
  FROM ip_stay AS s
  JOIN enc_ctx AS o
    ON o.psn_no = s.psn_no
   AND o.fixmedins_code <> s.fixmedins_code
  WHERE o.med_type IN ('11', '14', '41')
    AND o.begn_date > s.begn_date
    AND o.begn_date < s.end_date
)
SELECT s.mdtrt_id, s.psn_no, s.fixmedins_code, s.atddr_no AS prac_code, s.medfee_sumamt AS amount,
       s.begn_date, s.end_date, h.n_out, h.out_mdtrt_id, h.out_fixmedins_code, h.out_date,
       CASE h.out_med_type WHEN '41' THEN '定点药店购药' WHEN '14' THEN '门诊慢特病就诊' ELSE '门诊就诊' END
         AS out_label
FROM hit AS h
JOIN ip_stay AS s ON s.mdtrt_id = h.mdtrt_id
WHERE h.rn = 1
