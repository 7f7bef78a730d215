from chat.abstention import missing_names, model_abstained, names, searched_line
from chat.answer_terms import terms


def test_names_are_capitalised_words_inside_a_sentence():
    assert names("According to this deck, what age range accounts for the most users of the Amazon?") == ["Amazon"]
    assert names("Which APP ranks first? Write the answer in YYYY-MM-DD format.") == ["APP"]
    assert names("WHAT IS ITC LIMITED LOGO COLOR?") == []  # an all-capitals question names nothing in particular
    assert names("What was GPT-4 accuracy in 2023?") == []  # words with digits are left to the coverage rule


def test_a_name_is_held_by_a_prefix_or_by_its_initials():
    assert missing_names("How many Russians were asked?", {"russia", "asked"}) == []
    assert missing_names("In the United States, who leads?", {"lead"}, "U.S. adults say") == []
    assert missing_names("In the United States, who leads?", {"lead"}, "adults say") == ["United", "States"]


def test_units_periods_and_derived_metrics_are_not_names():
    assert names("What is the FY 2021 capex (in USD millions) for Costco?") == ["Costco"]
    assert names("What is the EBITDA margin of Netflix's streaming arm?") == ["Netflix"]
    assert names("What is interest coverage for AMCOR'FY 2020?") == ["AMCOR"]


def test_a_misspelt_name_is_held_by_the_word_it_misspells():
    vocabulary = terms("Netflix Activision Blizzard German cover")
    assert missing_names("What is the revenue of Neflix?", vocabulary) == []
    assert missing_names("What did Netfilx spend?", vocabulary) == []  # a transposition is one slip
    assert missing_names("What did Activsion Blizzard repurchase?", vocabulary) == []
    assert missing_names("How many Germen agree?", vocabulary) == []
    # The first letter is kept by slips; "Hover" is not "cover", and short names get no slack ("Iraq" / "Iran").
    assert missing_names("Which dataset uses HOVER?", vocabulary) == ["HOVER"]
    assert missing_names("What about Iraq?", {"iran"}) == ["Iraq"]
    assert missing_names("What did Amazon earn?", vocabulary) == ["Amazon"]


def test_model_not_found_wording():
    assert model_abstained("The answer is not found in the documents.", cited=0)
    assert model_abstained("Not found in the provided documents [S1].", cited=1)
    assert model_abstained("문서에서 찾을 수 없습니다.", cited=0)
    assert not model_abstained("Revenue was 4,812 [S1]; the margin is not found in the documents.", cited=1)
    assert not model_abstained("Revenue was 4,812 [S1].", cited=1)


def test_searched_line_names_words_documents_and_absent_names():
    line = searched_line("What did Amazon earn in 2021?", ["a.pdf", "b.pdf", "c.pdf", "d.pdf"], 12, ["Amazon"])
    assert line == ("Searched 12 passages in a.pdf, b.pdf, c.pdf and 1 more for: Amazon, earn, 2021. "
                    "None of them mentions: Amazon.")
