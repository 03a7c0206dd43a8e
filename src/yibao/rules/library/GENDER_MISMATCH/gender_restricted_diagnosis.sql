-- A diagnosis that only one sex can have (pregnancy, female or male genital organs) on an
-- encounter of a person of the other sex. Prefixes are parameters (knowledge, not code);
-- codes are compared on their first 1 and 3 characters.
SELECT DISTINCT e.mdtrt_id, e.psn_no, e.fixmedins_code, e.atddr_no AS prac_code,
       e.medfee_sumamt AS amount, d.dise_codg,
       CASE e.gend WHEN '1' THEN '男' ELSE '女' END AS gend_label,
       CASE e.gend WHEN '1' THEN '女' ELSE '男' END AS other_label
FROM enc_ctx AS e
JOIN enc_dx AS d ON d.mdtrt_id = e.mdtrt_id
WHERE (e.gend = '1' AND (';' || :female_prefixes || ';' LIKE '%;' || upper(left(d.dise_codg, 1)) || ';%'
                      OR ';' || :female_prefixes || ';' LIKE '%;' || upper(left(d.dise_codg, 3)) || ';%'))
   OR (e.gend = '2' AND (';' || :male_prefixes || ';' LIKE '%;' || upper(left(d.dise_codg, 1)) || ';%'
                      OR ';' || :male_prefixes || ';' LIKE '%;' || upper(left(d.dise_codg, 3)) || ';%'))
