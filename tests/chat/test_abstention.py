from chat.abstention import (identifiers, missing_dates, missing_identifiers, missing_names, missing_numbers,
                             missing_phrases, model_abstained, named_numbers, names, searched_line)
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


def test_korean_words_lend_only_their_latin_part_to_names():
    assert names("안구건조증에 대한 Dry Eye Workshop에서의 분류체계는?") == ["Dry", "Eye", "Workshop"]
    assert names("라이브11과 글랜스TV는 어떤 활동을 했나요?") == ["TV"]
    assert names("2021년 𝗖𝗨의 캠페인은?") == ["CU"]  # mathematical bold letters read as plain ones


def test_numbers_a_question_names_and_numbers_it_only_uses():
    assert named_numbers("What share voted in 2024, and how did iOS 7 do in the 50-shot setting?") == \
        ["2024", "7", "50"]
    assert named_numbers("How many examples are in Figure 7 and Figure 8 on page 6985?") == []
    assert named_numbers("How many quarters closed lower than $2.00? DPO is 365 * payables / COGS.") == []
    assert named_numbers("Which app ranks 15th? What did 3M earn? For example: [3000, 4000].") == []
    assert named_numbers("What changed in the 2002.1.26 revision?") == []


def test_a_named_number_no_evidence_states_is_missing():
    assert missing_numbers("What share voted in 2024?", "In the 2018 survey, 59% voted.") == ["2024"]
    assert missing_numbers("What share voted in 2024?", "FY24 turnout was 59%.") == []
    assert missing_numbers("What was revenue in 2024?", "Revenue was 1,577 in 20245.") == ["2024"]
    assert missing_numbers("Which model scored 2.0?", "It scored 2 points.") == []
    assert missing_numbers("What was the 1,577 line?", "Total 1577") == []
    assert missing_numbers("2024년 실적은?", "2023년 실적") == []  # not applied to Korean questions


def test_an_extractive_answer_abstains_on_a_year_no_passage_states():
    from chat.extractive import ExtractiveBackend
    from docparse.element import Element, ElementKind, Provenance
    from retrieval.hit import Hit

    element = Element(id="e1", kind=ElementKind.TEXT, text="In 2018, 59% of Democrats said they voted.",
                      provenance=Provenance(doc_id="d", source="pew.pdf", page=3))
    hits = [Hit(element=element, score=1.0, rank=1, routes=("dense",))]
    answer = ExtractiveBackend().answer("What share of Democrats voted in 2024?", hits)
    assert answer.answerable is False
    assert "None of them mentions: 2024." in answer.text
    assert ExtractiveBackend().answer("What share of Democrats voted in 2018?", hits).answerable is True


def test_identifiers_are_letter_and_digit_words_other_than_periods_and_references():
    assert identifiers("How does GPT-4o compare with PaLM-2L on COVID-19 questions?") == [
        "GPT-4o", "PaLM-2L", "COVID-19"]
    assert identifiers("What were FY2021, Q3 and F2019 sales in Table1-1 of the 10K?") == []
    assert identifiers("GPT-4의 정확도는?") == []  # calibrated on English questions only


def test_an_identifier_is_held_exactly_with_free_separators():
    assert missing_identifiers("How accurate is GPT-4o?", "GPT-4 scored 79.9% on SituatedQA.") == ["GPT-4o"]
    assert missing_identifiers("How accurate is GPT-4o?", "GPT-4o-mini and GPT-4o both") == []
    assert missing_identifiers("How accurate is GPT-4?", "GPT 4 scored 79.9%") == []
    assert missing_identifiers("How accurate is GPT-4?", "only GPT-4o was tested") == ["GPT-4"]
    assert missing_identifiers("What F1 does Flan-T5-small get?", "Flan-T5- small reaches an F1 of 60") == []


def test_an_extractive_answer_abstains_on_a_model_version_no_passage_names():
    from chat.extractive import ExtractiveBackend
    from docparse.element import Element, ElementKind, Provenance
    from retrieval.hit import Hit

    element = Element(id="e1", kind=ElementKind.TEXT, text="GPT-4 reaches 79.9% accuracy on MMLU Chemistry.",
                      provenance=Provenance(doc_id="d", source="paper.pdf", page=5))
    hits = [Hit(element=element, score=1.0, rank=1, routes=("dense",))]
    assert ExtractiveBackend().answer("What accuracy does GPT-4o reach on MMLU Chemistry?", hits).answerable is False
    assert ExtractiveBackend().answer("What accuracy does GPT-4 reach on MMLU Chemistry?", hits).answerable is True


def test_a_month_and_year_are_held_together_in_any_common_form():
    assert missing_dates("Who produced the document revised on May 2018?", "Revised May 2016. Printed 2018.") == [
        "May 2018"]
    assert missing_dates("Who produced the document revised on May 2016?", "Revised: May, 2016") == []
    assert missing_dates("What was due as of March 31, 2007?", "As at 31st March, 2007") == []
    assert missing_dates("What was due as of March 31, 2007?", "March 31, | 2008 | 2007") == []  # split header
    assert missing_dates("What was owed on January 28, 2023?", "Jan. 28, 2023") == []
    assert missing_dates("What was owed on January 28, 2023?", "2023-01-28 balance") == []
    assert missing_dates("What was owed on January 28, 2023?", "01/28/23 balance") == []
    assert missing_dates("What changed in May 2018?", "this may be 2018") == ["May 2018"]
    assert missing_dates("2018년 5월 매출은?", "2017") == []  # calibrated on English questions only


def test_a_name_of_a_name_is_held_as_one_phrase():
    evidence = "Florida Department of Health. Science and research. The Gestalt Principles of Visual Perception"
    assert missing_phrases("What is the address of Florida Department of Science?", evidence) == [
        "Florida Department of Science"]
    assert missing_phrases("What is the address of Florida Department of Health?", evidence) == []
    assert missing_phrases("Which is a Gestalt Principle of Visual Perception?", evidence) == []  # plural free
    assert missing_phrases("What were sales in Q2 of FY2023?", evidence) == []  # a period
    assert missing_phrases("Bank of America: what was its revenue?", evidence) == []  # opening the question


def test_either_name_of_a_renamed_company_is_enough():
    question = "What is the FY2020 revenue growth for Block (formerly known as Square)?"
    assert missing_names(question, terms("Square, Inc. total net revenue")) == []
    assert missing_names(question, terms("total net revenue")) == ["Block", "Square"]
