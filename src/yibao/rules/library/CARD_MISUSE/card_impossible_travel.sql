-- 盗刷/冒名: one person's credential used in two different prefectures (the institution's
-- division, or term_admdvs where the credential was read elsewhere) closer in time than
-- anyone can travel: less than min_travel_hours between provinces, min_travel_hours_near
-- between prefectures of one province. The gap runs from the end of the earlier encounter to
-- the start of the later one (negative when they overlap). Each encounter is compared with the
-- one before it: any two uses in different places within the window imply such a consecutive
-- pair. Of the pair, the encounter in the place this person uses less often is reported (the
-- owner lives where most uses are); on a tie, the one outside the enrolment prefecture
-- (参保地), then the later one. Exactly at the limit is clean.
WITH pair AS (
  SELECT b.psn_no, a.mdtrt_id AS a_id, b.mdtrt_id AS b_id, a.use_place AS a_place, b.use_place AS b_place,
         a.begntime AS a_time, b.begntime AS b_time,
         a.area_uses * 2 + CASE WHEN a.use_area = a.home_area THEN 1 ELSE 0 END AS a_rank,
         b.area_uses * 2 + CASE WHEN b.use_area = b.home_area THEN 1 ELSE 0 END AS b_rank,
         (b.begn_sec - a.end_sec) / 3600.0 AS hours,
         CASE WHEN substr(a.use_area, 1, 2) = substr(b.use_area, 1, 2) THEN :min_travel_hours_near
              ELSE :min_travel_hours END AS limit_hours
  FROM psn_enc AS b
  JOIN psn_enc AS a ON a.mdtrt_id = b.prev_mdtrt_id
  WHERE b.use_area <> b.prev_use_area
),
suspect AS (
  SELECT p.*,
         CASE WHEN p.a_rank < p.b_rank THEN p.a_id ELSE p.b_id END AS mdtrt_id,
         CASE WHEN p.a_rank < p.b_rank THEN p.b_id ELSE p.a_id END AS other_mdtrt_id,
         CASE WHEN p.a_rank < p.b_rank THEN p.b_place ELSE p.a_place END AS other_place,
         CASE WHEN p.a_rank < p.b_rank THEN p.b_time ELSE p.a_time END AS other_time
  FROM pair AS p
  WHERE p.hours < p.limit_hours
),
ranked AS (
  SELECT s.*, row_number() OVER (PARTITION BY s.mdtrt_id ORDER BY s.hours, s.other_mdtrt_id) AS rn
  FROM suspect AS s
)
SELECT e.mdtrt_id, e.psn_no, e.fixmedins_code, e.atddr_no AS prac_code, e.medfee_sumamt AS amount,
       e.use_place AS place, CAST(e.begntime AS VARCHAR) AS use_time, r.other_mdtrt_id, r.other_place,
       CAST(r.other_time AS VARCHAR) AS other_time, CAST(floor(r.hours * 60) AS BIGINT) AS gap_minutes,
       r.limit_hours,
       least(1.0, 0.6 + 0.4 * (1.0 - greatest(r.hours, 0) / r.limit_hours)) AS score
FROM ranked AS r
JOIN psn_enc AS e ON e.mdtrt_id = r.mdtrt_id
WHERE r.rn = 1
