"""Standard financial ratios computed from the statements among the evidence, stated first with their operands."""
from chat.extractive import ExtractiveBackend
from chat.financial_ratios import compute_ratio, read_ratio
from tests.chat.evidence_fixtures import element, hits

BALANCE_SHEET = (
    ("", "May 31, 2021", "May 31, 2020"),
    ("Current assets:", "", ""),
    ("Cash and equivalents", "$ 9,889", "$ 8,348"),
    ("Short-term investments", "3,587", "439"),
    ("Accounts receivable, net", "4,463", "2,749"),
    ("Inventories", "6,854", "7,367"),
    ("Total current assets", "26,291", "20,556"),
    ("Total assets", "37,740", "31,342"),
    ("Total current liabilities", "9,674", "8,284"),
    ("Total liabilities and shareholders' equity", "37,740", "31,342"),
)
INCOME_STATEMENT = (
    ("", "Year Ended May 31, 2021", "Year Ended May 31, 2020"),
    ("Revenues", "$ 44,538", "$ 37,403"),
    ("Cost of sales", "(24,576)", "(21,162)"),
    ("Gross profit", "19,962", "16,241"),
    ("Income before income taxes", "6,661", "2,887"),
    ("Income tax expense", "934", "348"),
    ("Net income", "5,727", "2,539"),
)
CASH_FLOWS = (
    ("", "2021", "2020"),
    ("Cash and equivalents, beginning of year", "8,348", "4,466"),
    ("Cash and equivalents, end of year", "9,889", "8,348"),
)


def _tables():
    return (element("table", "cash flows", cells=CASH_FLOWS, caption="Consolidated Statements of Cash Flows"),
            element("table", "balance", cells=BALANCE_SHEET, caption="Consolidated Balance Sheets"),
            element("table", "income", cells=INCOME_STATEMENT, caption="Consolidated Statements of Income"))


def _ratio(question: str):
    ask = read_ratio(question)
    assert ask is not None, question
    return compute_ratio(ask, list(enumerate(_tables())))


def test_liquidity_ratios_read_year_end_balances_of_the_year_named():
    assert _ratio("What is the current ratio in FY2021? Round your answer to two decimal places.").value == \
        26291 / 9674
    assert round(_ratio("What is the FY2020 current ratio?").value, 4) == round(20556 / 8284, 4)
    assert round(_ratio("What is the FY20 current ratio?").value, 4) == round(20556 / 8284, 4)  # short fiscal form
    # The balance sheet's cash, not the cash flow statement's "Cash and equivalents, beginning of year".
    assert _ratio("What is the cash ratio in FY2021?").value == 9889 / 9674
    assert _ratio("What is the quick ratio in FY2021?").value == (9889 + 3587 + 4463) / 9674


def test_turnover_divides_by_the_average_balance_and_expenses_count_as_amounts():
    result = _ratio("What is the FY2021 inventory turnover ratio?")
    assert result.value == 24576 / ((6854 + 7367) / 2)
    assert "(24,576) / (6,854 + 7,367) / 2" in result.line and result.cited == (2, 1)


def test_rates_are_stated_as_percentages_with_the_ratio():
    result = _ratio("What is the effective tax rate for FY2021? Round your answer to three decimal places.")
    assert result.line.startswith("14% (0.1402) \u2014 effective tax rate, 2021: Income tax expense / "
                                  "Income before income taxes")


def test_a_to_b_ratio_of_two_line_items_and_its_average_form():
    result = _ratio("What is the gross profit to total assets ratio in FY2021?")
    assert result.value == 19962 / 37740
    assert read_ratio("What is current liabilities to total liabilities in FY2021?").formula.numerator == \
        (("total current liabilities",),)
    assert read_ratio("What is interest expense to average long-term debt in FY2017?").formula.average


def test_nothing_is_computed_without_every_operand_or_for_a_why_question():
    assert read_ratio("What were total net sales in 2021?") is None
    assert read_ratio("What drove the operating margin change in FY2022?") is None
    assert read_ratio("What is the change in the current ratio between 2020 and 2021?") is None  # two periods
    # Receivables of 2019 are not in the evidence: no average, no answer.
    assert _ratio("What is the FY2020 receivables turnover?") is None


def test_the_extractive_answer_states_the_ratio_first_citing_both_statements():
    answer = ExtractiveBackend().answer("What is the FY2021 return on assets? Round to three decimal places.",
                                        hits(*_tables()))
    first = answer.text.splitlines()[0]
    assert first.startswith("0.152 (15.2%) \u2014 return on assets, 2021: Net income / Total assets")
    assert first.endswith("[S3][S2]") and answer.answerable
    # each statement's citation highlights the operand read there
    assert [c.span.texts for c in answer.citations] == [("Net income", "5,727"), ("Total assets", "37,740")]


def test_a_note_table_is_no_statement():
    note = (("", "2021", "2020"), ("Deferred tax assets:", "", ""), ("Total current assets", "900", "800"),
            ("Total current liabilities", "300", "200"), ("Valuation allowance", "(10)", "(9)"))
    tables = [element("table", "note", cells=note, caption="Note 9 - Income taxes"), *_tables()]
    assert compute_ratio(read_ratio("What is the current ratio in FY2021?"), list(enumerate(tables))).value == \
        26291 / 9674
    assert compute_ratio(read_ratio("What is the current ratio in FY2021?"), [(0, tables[0])]) is None


def test_a_quarter_column_is_no_fiscal_year():
    quarterly = (("", "Year Ended December 31, 2017 Third Quarter", "Year Ended December 31, 2017 Fourth Quarter"),
                 ("Net income", "256", "1,856"))
    tables = [element("table", "quarters", cells=quarterly, caption="Quarterly Results (unaudited)"), *_tables()]
    ask = read_ratio("What is the FY2021 return on assets?")
    assert compute_ratio(ask, list(enumerate(tables))).value == 5727 / 37740
    assert compute_ratio(read_ratio("What is the FY2017 return on assets?"), list(enumerate(tables[:1]))) is None


def test_each_operand_is_searched_and_its_best_table_joins_the_evidence():
    from chat.financial_ratios import operand_queries, with_operand_hits

    assert operand_queries("What is the FY2021 return on assets?") == \
        ["net income net earnings net income attributable to 2021", "total assets 2021"]
    assert operand_queries("What were total net sales?") == []
    main = hits(*(element("text", f"passage {i}") for i in range(8)))
    balance, income = hits(*_tables()[1:])
    merged = with_operand_hits(main, [[main[0], balance], [income]])
    assert [h.element.text for h in merged][5:7] == ["balance", "income"] and len(merged) == 10
    cash_flows = hits(_tables()[0])[0]
    assert len(with_operand_hits(main, [[balance, income, cash_flows]])) == 11  # every table of the search
    assert with_operand_hits(main, [[main[1]]]) == main  # already in the evidence: nothing moves


def test_ebitda_is_operating_income_plus_depreciation_and_a_ratio_naming_it_is_another():
    income = (("", "2021", "2020"), ("Revenues", "10,000", "9,000"), ("Operating income", "1,500", "1,200"))
    flows = (("", "2021", "2020"), ("Depreciation and amortization", "400", "380"),
             ("Net cash provided by operating activities", "2,000", "1,700"))
    tables = [element("table", "income", cells=income, caption="Consolidated Statements of Operations"),
              element("table", "flows", cells=flows, caption="Consolidated Statements of Cash Flows")]
    ebitda = compute_ratio(read_ratio("What is EBITDA in FY2021?"), list(enumerate(tables)))
    assert ebitda.value == 1900 and ebitda.line.startswith("1,900 \u2014 ebitda, 2021") and ebitda.cited == (0, 1)
    assert compute_ratio(read_ratio("What is the EBITDA margin in FY2021?"), list(enumerate(tables))).value == 0.19
    assert read_ratio("What is the debt to EBITDA ratio in FY2021?") is None
    assert read_ratio("What is operating cash flow to current liabilities in 2021?").formula.numerator[0][0] == \
        "net cash provided by operating activities"


def test_capital_employed_is_total_assets_less_current_liabilities_and_average_returns_average():
    income = (("", "2021", "2020"), ("Operating income", "1,500", "1,200"), ("Net income", "1,000", "900"))
    balance = (("", "2021", "2020"), ("Total assets", "20,000", "18,000"),
               ("Total current liabilities", "5,000", "4,000"), ("Total equity", "8,000", "7,000"))
    tables = list(enumerate([element("table", "income", cells=income, caption="Consolidated Statements of Income"),
                             element("table", "balance", cells=balance, caption="Consolidated Balance Sheets")]))
    roce = compute_ratio(read_ratio("What is the return on capital employed in FY2021?"), tables)
    assert roce.value == 1500 / 15000 and "(20,000 \u2212 5,000)" in roce.line
    assert compute_ratio(read_ratio("What is the return on average equity in FY2021?"), tables).value == 1000 / 7500


def test_the_words_of_a_computed_ratio_are_not_names_the_evidence_must_print():
    income = (("", "2021", "2020"), ("Operating income", "1,500", "1,200"), ("Net income", "1,000", "900"))
    balance = (("", "2021", "2020"), ("Total assets", "20,000", "18,000"),
               ("Total current liabilities", "5,000", "4,000"), ("Total equity", "8,000", "7,000"))
    tables = hits(element("table", "income", cells=income, caption="Consolidated Statements of Income"),
                  element("table", "balance", cells=balance, caption="Consolidated Balance Sheets"))
    answer = ExtractiveBackend().answer("What is the Return on Capital Employed for FY2021?", tables)
    assert answer.answerable and answer.text.startswith("0.1 (10%) \u2014 return on capital employed, 2021")


def test_a_zero_or_unreadable_operand_computes_nothing_and_the_answer_still_stands():
    zero = (("", "2021", "2020"), ("Total current assets", "26,291", "20,556"), ("Inventories", "6,854", "7,367"),
            ("Accounts receivable, net", "4,463", "2,749"), ("Total current liabilities", "0", "\u2014"))
    tables = [element("table", "balance", cells=zero, caption="Consolidated Balance Sheets")]
    assert compute_ratio(read_ratio("What is the current ratio in FY2021?"), list(enumerate(tables))) is None
    assert compute_ratio(read_ratio("What is the current ratio in FY2020?"), list(enumerate(tables))) is None
    answer = ExtractiveBackend().answer("What is the current ratio in FY2021?", hits(*tables))
    assert answer.answerable and "current ratio," not in answer.text  # the cells, read as they are


def test_noncurrent_liabilities_are_total_liabilities_less_current_liabilities():
    balance = (("", "August 29, 2021", "August 30, 2020"), ("Total current liabilities", "29,441", "24,844"),
               ("Long-term debt, excluding current portion", "6,692", "7,514"),
               ("Total liabilities", "41,190", "36,851"))
    tables = list(enumerate([element("table", "balance", cells=balance, caption="Consolidated Balance Sheets")]))
    result = compute_ratio(read_ratio("What is total long-term liabilities in FY2021? Answer in millions."), tables)
    assert result.value == 11749 and result.line.startswith("11,749 \u2014 long term liabilities, 2021")
    assert "(41,190 \u2212 29,441)" in result.line
    assert compute_ratio(read_ratio("What were noncurrent liabilities in 2020?"), tables).value == 12007
    assert read_ratio("What is long-term debt to total liabilities in FY2021?").name == \
        "long term debt to total liabilities"
