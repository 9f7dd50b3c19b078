{#- Company names reduced to what identifies the company, the same on DuckDB and Snowflake:
    lowercase, accents folded, `&` -> `and`, dots/commas/apostrophes removed (so `L.L.C.` and
    `LLC` meet), other punctuation -> one space, common business abbreviations expanded,
    legal forms (inc, llc, ltd, gmbh, s.a., pty ltd, ...) and a leading `the` dropped,
    whitespace collapsed. A name that is nothing but a legal form keeps it (never empty).
    Words are matched on a copy padded with double spaces, so plain patterns like ' ltd '
    need no regex word boundaries (whose escaping differs by dialect). -#}
{#- The whole normalisation in one expression. Models apply the three steps in successive
    CTEs instead (clean_company_name -> expand_company_abbreviations -> strip_legal_forms):
    the same result, but shallow enough for SQL linters' parsers. -#}
{% macro normalize_company_name(expression) -%}
    {{ strip_legal_forms(expand_company_abbreviations(clean_company_name(expression))) }}
{%- endmacro %}

{#- Step 1: lowercase, accents folded, '&' -> ' and ', dots/commas/apostrophes removed, other
    punctuation -> space; returned padded (' w1  w2 ') so whole words match ' w '. -#}
{% macro clean_company_name(expression) -%}
    ' ' || replace(trim({{ regexp_replace_all(
        regexp_replace_all(
            "replace(" ~ fold_accents("lower(" ~ expression ~ ")") ~ ", '&', ' and ')",
            "[.,''’`]", ""),
        "[^a-z0-9]+", " ") }}), ' ', '  ') || ' '
{%- endmacro %}

{#- Step 2 (on a padded name): abbreviations CRM users type for the same word. -#}
{% macro expand_company_abbreviations(padded) -%}
    {%- set abbreviations = {
        'mgmt': 'management', 'mgt': 'management', 'intl': 'international',
        'invest': 'investments', 'assoc': 'associates', 'ins': 'insurance', 'grp': 'group',
        'hldgs': 'holdings', 'hldg': 'holding', 'svcs': 'services', 'natl': 'national',
        'fin': 'financial', 'bros': 'brothers',
    } -%}
    {%- set expanded = namespace(sql=padded) -%}
    {%- for short, long in abbreviations.items() -%}
        {%- set expanded.sql = "replace(" ~ expanded.sql ~ ", ' " ~ short ~ " ', ' " ~ long ~ " ')" -%}
    {%- endfor -%}
    {{ expanded.sql }}
{%- endmacro %}

{#- Step 3 (on a padded name): legal forms (multi-word ones first) and a leading 'the'
    dropped, whitespace collapsed; a name that is only a legal form keeps it. -#}
{% macro strip_legal_forms(padded) -%}
    {%- set legal_form_phrases = [
        'public limited company', 'private limited', 'proprietary limited', 'company limited',
        'kabushiki kaisha', 'sa de cv', 's a de c v', 'sa rl', 's a r l', 'pty ltd', 'pte ltd',
        'pvt ltd', 'co ltd',
    ] -%}
    {%- set legal_form_words = [
        'inc', 'incorporated', 'corp', 'corporation', 'llc', 'ltd', 'limited', 'plc', 'llp',
        'lp', 'gmbh', 'ag', 'aktiengesellschaft', 'sa', 'sas', 'sarl', 'nv', 'bv', 'ab',
        'aktiebolag', 'spa', 'srl', 'sl', 'pjsc', 'pty', 'pte', 'pvt', 'kk', 'ltda', 'limitada',
        'co', 'company', 'oy', 'oyj', 'asa', 'aps', 'kg', 'kgaa', 'bhd', 'sdn', 'tbk',
    ] -%}
    {%- set phrases = [] -%}
    {%- for phrase in legal_form_phrases -%}
        {%- do phrases.append(phrase | replace(' ', '  ')) -%}
    {%- endfor -%}
    {%- set stripped = regexp_replace_all(
        regexp_replace_all(padded, ' (' ~ phrases | join('|') ~ ') ', ' '),
        ' (' ~ legal_form_words | join('|') ~ ') ', ' ') -%}
    coalesce(
        nullif(trim({{ regexp_replace_all(regexp_replace_all(stripped, '^ *the ', ''), ' +', ' ') }}), ''),
        nullif(trim({{ regexp_replace_all(padded, ' +', ' ') }}), '')
    )
{%- endmacro %}
