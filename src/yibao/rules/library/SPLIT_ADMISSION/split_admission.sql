-- 分解住院: a person discharged and readmitted to the same institution within the window.
-- gap_days = readmission date − previous discharge date (calendar days, 算头不算尾). The window
-- reads as policy texts write it, "N日内（含第N日）再次入院": a readmission on day N is inside,
-- day N+1 is the first clean day (the limit on the interval is N+1). Same-day readmission
-- (gap 0) counts.
-- Exceptions: the readmission's main diagnosis starts with a listed prefix (planned
-- chemotherapy/radiotherapy Z51, dialysis Z49), or the previous stay ended by a listed
-- discharge way (transfer, death, other). Optionally the two stays must share the diagnosis.
SELECT s.mdtrt_id, s.psn_no, s.fixmedins_code, s.atddr_no AS prac_code,
       s.medfee_sumamt AS amount, s.prev_mdtrt_id, s.prev_end_date, s.begn_date, s.gap_days,
       coalesce(s.dise_codg, '—') AS dise_codg, coalesce(s.prev_dise_codg, '—') AS prev_dise_codg,
       1.0 - 0.5 * s.gap_days / (:window_days + 1) AS score
FROM (
  SELECT ip_stay.*, date_diff('day', prev_end_date, begn_date) AS gap_days,
         ';' || :exempt_dise_prefixes || ';' AS ex_dise
  FROM ip_stay
  WHERE prev_mdtrt_id IS NOT NULL
) AS s
WHERE s.gap_days >= 0
  AND s.gap_days <= :window_days
  AND strpos(';' || :exempt_dscg_ways || ';', ';' || coalesce(s.prev_dscg_way, '') || ';') = 0
  AND NOT (
    s.dise_codg IS NOT NULL AND (
      strpos(s.ex_dise, ';' || substr(s.dise_codg, 1, 1) || ';') > 0
      OR strpos(s.ex_dise, ';' || substr(s.dise_codg, 1, 2) || ';') > 0
      OR strpos(s.ex_dise, ';' || substr(s.dise_codg, 1, 3) || ';') > 0
      OR strpos(s.ex_dise, ';' || substr(s.dise_codg, 1, 4) || ';') > 0
      OR strpos(s.ex_dise, ';' || substr(s.dise_codg, 1, 5) || ';') > 0
      OR strpos(s.ex_dise, ';' || substr(s.dise_codg, 1, 6) || ';') > 0
    )
  )
  AND (
    :same_dise_chars <= 0
    OR substr(coalesce(s.dise_codg, ''), 1, :same_dise_chars) = substr(coalesce(s.prev_dise_codg, ''), 1, :same_dise_chars)
  )
