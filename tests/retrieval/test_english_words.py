from retrieval.english_words import INDEX_STOPWORDS, QUESTION_STOPWORDS, fold_plural, snowball_stemmer


def test_question_list_holds_the_index_list_and_question_phrasing():
    assert INDEX_STOPWORDS < QUESTION_STOPWORDS
    assert {"table", "please", "show"} <= QUESTION_STOPWORDS - INDEX_STOPWORDS
    assert "revenue" not in QUESTION_STOPWORDS


def test_fold_plural_strips_one_s_only():
    assert fold_plural("sales") == "sale"
    assert fold_plural("class") == "class"  # -ss is no plural
    assert fold_plural("gas") == "gas"  # too short to judge


def test_snowball_stemmer_meets_word_forms():
    stemmer = snowball_stemmer()
    if stemmer is None:  # PyStemmer missing: the tokenizer runs without stemming
        return
    assert stemmer.stemWords(["revenues", "revenue"]) == ["revenu", "revenu"]
