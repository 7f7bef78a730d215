from chat.question_instructions import asked_part


def test_answer_format_sentences_are_dropped():
    assert asked_part("what is total debt of COSTCO in FY 2021?Answer in millions.") == \
        "what is total debt of COSTCO in FY 2021?"
    assert asked_part("What is cash ratio in FY2021 for Nike? Round your answer to two decimal places.") == \
        "What is cash ratio in FY2021 for Nike?"
    assert asked_part("How many datasets are used? Please write down the answer in float format with 1 decimal.") \
        == "How many datasets are used?"
    assert asked_part("What share of respondents agree? Give me a percentage value.") == \
        "What share of respondents agree?"


def test_where_to_look_clause_is_dropped_but_the_statement_it_names_stays():
    assert asked_part("By drawing conclusions from the information stated only in the income statement, what is "
                      "Amazon's FY2019 net income attributable to shareholders (in USD millions)?") == \
        "what is Amazon's FY2019 net income attributable to shareholders ? income statement"
    assert asked_part("Using the cash flow statement, answer the following question to the best of your abilities: "
                      "how much did Block generate in cash flow from operating activities in FY2020? Answer in USD "
                      "millions.") == \
        "how much did Block generate in cash flow from operating activities in FY2020? cash flow statement"
    assert asked_part("According to this report, which group is greater in population in 2018?") == \
        "which group is greater in population in 2018?"


def test_a_question_of_content_only_is_kept_whole():
    for question in ("What were total net sales for the three months ended June 25, 2022?",
                     "How much did revenue grow in 3.5 years?", "Answer rates of the call centre in 2020?",
                     "Directly answer 'Instagram' or 'Appota': which has more users?"):
        assert asked_part(question) == question
    # nothing would be left: the question stands as asked
    assert asked_part("Round your answer to two decimal places.") == "Round your answer to two decimal places."
