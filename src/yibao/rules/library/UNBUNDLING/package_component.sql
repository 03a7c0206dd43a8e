-- 分解收费: item_rule pairs whose effective violation is UNBUNDLING (relation `includes`: code_a is a
-- package that already contains code_b, or an `exclusive` row re-labelled so). The component line
-- (code_b) is reported when the package (code_a) was billed in the same encounter (scope
-- encounter, the default) or for the same person at the same institution on the same day (scope
-- day); the pair in force on the component's charge date and listed for its med_type. Matching is
-- done once in prelude/10_item_rules.sql (pair_hit).
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
WHERE h.violation = 'UNBUNDLING'
