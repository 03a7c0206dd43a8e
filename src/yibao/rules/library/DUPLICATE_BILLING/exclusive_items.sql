-- 重复收费（互斥项目）: item_rule pairs whose effective violation is DUPLICATE_BILLING (relation
-- `exclusive`, or an `includes` row re-labelled so). The line of code_b is reported when a line of
-- code_a was billed in the same encounter (scope encounter, the default) or for the same person at
-- the same institution on the same day (scope day); the pair in force on code_b's charge date and
-- listed for the encounter's med_type. Matching is done once in prelude/10_item_rules.sql (pair_hit).
SELECT f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.bilg_dr_codg AS prac_code,
       f.det_item_fee_sumamt AS amount, f.med_list_codg, f.item_name, h.code_a,
       CASE WHEN h.relation = 'includes'
            THEN '已包含在' || coalesce(h.a_name, '项目') || '（' || h.code_a || '）内，不得在'
                 || CASE WHEN h.scope = 'day' THEN '同日' ELSE '同次就诊' END || '另行收费'
            ELSE '与' || coalesce(h.a_name, '项目') || '（' || h.code_a || '）互斥，不得在'
                 || CASE WHEN h.scope = 'day' THEN '同日' ELSE '同次就诊' END || '同时收费'
       END AS pair_text
FROM pair_hit AS h
JOIN fee_ctx AS f ON f.feedetl_sn = h.feedetl_sn
WHERE h.violation = 'DUPLICATE_BILLING'
