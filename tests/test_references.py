"""Reference extraction: exact sets on every real log, nothing from code, every syntax."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from chronolog.parse import parse_log
from chronolog.references import Reference, find_references, references_in_text, web_host
from tests.conftest import LOGS

# Entry heading line -> the references of that entry, checked line by line against the file.
REFERENCE_LOG: dict[int, set[str]] = {
    5: {"sourcegraph/sourcegraph#44795", "sourcegraph/sourcegraph#44816"},
    30: {"sourcegraph/smoke-tests#43"},
    70: {"sourcegraph/sourcegraph#42140"},
    116: {"sourcegraph/sourcegraph#43282"},
    120: {"sourcegraph/infrastructure#4097"},
    128: {
        "sourcegraph/deploy-sourcegraph-docker#865",
        "sourcegraph/sourcegraph#42637",
        "sourcegraph/sourcegraph#42816",
    },
    136: {"sourcegraph/sourcegraph#42031", "sourcegraph/sourcegraph#42689"},
    183: {"sourcegraph/handbook#5148"},
    187: {"sourcegraph/sourcegraph#42062"},
    193: {"sourcegraph/sourcegraph#39687", "sourcegraph/sourcegraph#41838"},
    213: {"sourcegraph/sourcegraph#38718"},
    237: {"sourcegraph/infrastructure#3616"},
    291: {"sourcegraph/sourcegraph#37548"},
    320: {
        "sourcegraph/deploy-sourcegraph#4086",
        "sourcegraph/deploy-sourcegraph#4144",
        "sourcegraph/infrastructure#3569",
        "sourcegraph/sourcegraph#36923",
    },
    419: {"sourcegraph/sourcegraph#37227"},
    517: {"sourcegraph/sourcegraph#36778", "sourcegraph/sourcegraph#36782"},
    529: {"sourcegraph/sourcegraph#36469"},
    537: {"sourcegraph/sourcegraph#30536"},
    549: {
        "sourcegraph/sourcegraph#35942",
        "sourcegraph/sourcegraph#35945",
        "sourcegraph/sourcegraph#35959",
    },
    569: {"sourcegraph/eslint-config#249"},
    575: {"Antiarchitect/asdf-helm#12", "kennyp/asdf-golang#79", "luizm/asdf-shfmt#7"},
    605: {"sourcegraph/sourcegraph#35291", "sourcegraph/sourcegraph#35334"},
    617: {
        "sourcegraph/sourcegraph#34913",
        "sourcegraph/sourcegraph#34914",
        "sourcegraph/sourcegraph#34926",
        "sourcegraph/sourcegraph#34929",
    },
    629: {"sourcegraph/sourcegraph#34756"},
    633: {"sourcegraph/sourcegraph#34680", "sourcegraph/sourcegraph#34714"},
    639: {"sourcegraph/sourcegraph#34501"},
    643: {"sourcegraph/sourcegraph#34370"},
    684: {"sourcegraph/sourcegraph#33701"},
    700: {
        "sourcegraph/handbook#2993",
        "sourcegraph/infrastructure#3208",
        "sourcegraph/sourcegraph#30237",
        "sourcegraph/sourcegraph#33238",
    },
    712: {"sourcegraph/infrastructure#3206", "sourcegraph/sourcegraph#26257"},
    729: {
        "buildkite/agent#1053",
        "sourcegraph/sourcegraph#29222",
        "sourcegraph/sourcegraph#33363",
        "sourcegraph/sourcegraph#33384",
        "sourcegraph/sourcegraph#33394",
        "sourcegraph/sourcegraph#33398",
    },
    757: {"sourcegraph/sourcegraph#33326"},
    776: {"sourcegraph/sec-pr-audit-trail#144", "sourcegraph/sourcegraph#33275"},
    782: {"sourcegraph/infrastructure#3191"},
    790: {"sourcegraph/sourcegraph#33182", "sourcegraph/sourcegraph#33183"},
    805: {
        "sourcegraph/infrastructure#3182",
        "sourcegraph/sourcegraph#33092",
        "sourcegraph/sourcegraph#33094",
        "sourcegraph/sourcegraph#33095",
        "sourcegraph/sourcegraph#33107",
        "sourcegraph/sourcegraph#33118",
    },
    826: {"sourcegraph/deploy-sourcegraph-cloud#15935"},
    834: {
        "sourcegraph/infrastructure#3176",
        "sourcegraph/infrastructure#3177",
        "sourcegraph/sourcegraph#32751",
        "sourcegraph/sourcegraph#32840",
        "sourcegraph/sourcegraph#32843",
    },
}
# Log -> (its repository, {target repository: the issue and PR numbers referenced}).
OTHER_LOGS: dict[str, tuple[str, dict[str, str]]] = {
    "devx-devops-pre-iso.md": (
        "sourcegraph/devx-scratch",
        {
            "sourcegraph/deploy-sourcegraph-cloud": "16390 17063",
        },
    ),
    "devx-devops.md": (
        "sourcegraph/devx-scratch",
        {
            "sourcegraph/deploy-sourcegraph": "4163",
            "sourcegraph/deploy-sourcegraph-cloud": "16390 17063 17105 17254",
            "sourcegraph/deploy-sourcegraph-managed": "814",
            "sourcegraph/handbook": "4856",
            "sourcegraph/infrastructure": "3720 3880 3934",
            "sourcegraph/sourcegraph": "41330",
        },
    ),
    "devx-observability-outoforder.md": (
        "sourcegraph/devx-scratch",
        {
            "sourcegraph/sourcegraph": (
                "27386 36457 37587 37654 37778 37830 37962 37963 37979 37984 38185"
            ),
        },
    ),
    "devx-observability.md": (
        "sourcegraph/devx-scratch",
        {
            "sourcegraph/sourcegraph": (
                "27386 36457 37587 37654 37778 37830 37962 37963 37979 37984 38185"
            ),
        },
    ),
    "devx-scaletesting-log.base.md": (
        "sourcegraph/devx-scratch",
        {
            "sourcegraph/deploy-sourcegraph-scaletesting": "9",
            "sourcegraph/infrastructure": "3978",
            "sourcegraph/sourcegraph": "42493 43032 43042 43043 43044 43045",
        },
    ),
    "devx-scaletesting-log.head.md": (
        "sourcegraph/devx-scratch",
        {
            "sourcegraph/deploy-sourcegraph-scaletesting": "9",
            "sourcegraph/infrastructure": "3978",
            "sourcegraph/sourcegraph": "42493 43032 43042 43043 43044 43045",
        },
    ),
    "devx-stateless-agents-chrono.md": (
        "sourcegraph/devx-scratch",
        {
            "sourcegraph/infrastructure": "3182 3188 3192 3200 3212 3248 3255",
            "sourcegraph/sourcegraph": (
                "30237 32843 33107 33186 33226 33238 33241 33390 33854 33991 38421"
            ),
        },
    ),
    "devx-support-log-cd.base.md": (
        "sourcegraph/devx-scratch",
        {
            "antiarchitect/asdf-helm": "12",
            "buildkite/agent": "1053",
            "kennyp/asdf-golang": "79",
            "luizm/asdf-shfmt": "7",
            "sourcegraph/deploy-sourcegraph": "4086 4144",
            "sourcegraph/deploy-sourcegraph-cloud": "15935",
            "sourcegraph/deploy-sourcegraph-docker": "865",
            "sourcegraph/eslint-config": "249",
            "sourcegraph/handbook": "2993 5148",
            "sourcegraph/infrastructure": "3176 3177 3182 3191 3206 3208 3569 3616 4097",
            "sourcegraph/sec-pr-audit-trail": "144",
            "sourcegraph/sourcegraph": (
                "26257 29222 30237 30536 32751 32840 32843 33092 33094 33095 33107 33118 33182 "
                "33183 33238 33275 33326 33363 33384 33394 33398 33701 34370 34501 34680 34714 "
                "34756 34913 34914 34926 34929 35291 35334 35942 35945 35959 36469 36778 36782 "
                "36923 37227 37548 38718 39687 41838 42031 42062 42637 42689 42816 43282"
            ),
        },
    ),
    "devx-support-log-cd.head.md": (
        "sourcegraph/devx-scratch",
        {
            "antiarchitect/asdf-helm": "12",
            "buildkite/agent": "1053",
            "kennyp/asdf-golang": "79",
            "luizm/asdf-shfmt": "7",
            "sourcegraph/deploy-sourcegraph": "4086 4144",
            "sourcegraph/deploy-sourcegraph-cloud": "15935",
            "sourcegraph/deploy-sourcegraph-docker": "865",
            "sourcegraph/eslint-config": "249",
            "sourcegraph/handbook": "2993 5148",
            "sourcegraph/infrastructure": "3176 3177 3182 3191 3206 3208 3569 3616 4097",
            "sourcegraph/sec-pr-audit-trail": "144",
            "sourcegraph/sourcegraph": (
                "26257 29222 30237 30536 32751 32840 32843 33092 33094 33095 33107 33118 33182 "
                "33183 33238 33275 33326 33363 33384 33394 33398 33701 34370 34501 34680 34714 "
                "34756 34913 34914 34926 34929 35291 35334 35942 35945 35959 36469 36778 36782 "
                "36923 37227 37548 38718 39687 41838 42031 42062 42637 42689 42816 43282"
            ),
        },
    ),
    "devx-support-log.base.md": (
        "sourcegraph/devx-scratch",
        {
            "sourcegraph/infrastructure": "3176 3177",
            "sourcegraph/sourcegraph": "32751 32840 32843",
        },
    ),
    "devx-support-log.head.md": (
        "sourcegraph/devx-scratch",
        {
            "sourcegraph/deploy-sourcegraph-cloud": "15935",
            "sourcegraph/infrastructure": "3176 3177 3182",
            "sourcegraph/sourcegraph": "32751 32840 32843 33092 33094 33095 33107 33118",
        },
    ),
    "devx-support-log.md": (
        "sourcegraph/devx-scratch",
        {
            "antiarchitect/asdf-helm": "12",
            "buildkite/agent": "1053",
            "kennyp/asdf-golang": "79",
            "luizm/asdf-shfmt": "7",
            "sourcegraph/deploy-sourcegraph": "4086 4144",
            "sourcegraph/deploy-sourcegraph-cloud": "15935",
            "sourcegraph/deploy-sourcegraph-docker": "865",
            "sourcegraph/deploy-sourcegraph-managed": "2421 2423 2439",
            "sourcegraph/eslint-config": "249",
            "sourcegraph/handbook": "2993 5148",
            "sourcegraph/infrastructure": "3176 3177 3182 3191 3206 3208 3569 3616 4097",
            "sourcegraph/sec-pr-audit-trail": "144",
            "sourcegraph/smoke-tests": "43",
            "sourcegraph/sourcegraph": (
                "26257 29222 30237 30536 32751 32840 32843 33092 33094 33095 33107 33118 33182 "
                "33183 33238 33275 33326 33363 33384 33394 33398 33701 34370 34501 34680 34714 "
                "34756 34913 34914 34926 34929 35291 35334 35942 35945 35959 36469 36778 36782 "
                "36923 37227 37548 38718 39687 41838 42031 42062 42140 42637 42689 42816 43282 "
                "44795 44816"
            ),
        },
    ),
    "node-addon-api-changelog.md": (
        "nodejs/node-addon-api",
        {
            "nodejs/node-addon-api": (
                "58 118 186 205 211 212 213 214 216 217 218 226 227 228 232 236 243 245 248 250 "
                "251 252 253 254 255 256 257 267 268 272 277 280 284 285 286 287 288 290 292 "
                "295 298 299 300 305 307 309 315 318 321 323 325 326 328 329 331 335 339 341 "
                "343 344 345 346 348 350 353 354 355 356 359 360 361 362 363 365 367 369 371 "
                "374 385 389 391 394 395 402 407 414 415 417 420 426 428 435 436 441 448 452 "
                "458 459 460 465 470 475 478 481 486 488 489 490 493 494 495 497 506 507 510 "
                "512 513 515 518 527 529 532 539 540 546 552 558 561 562 563 566 568 571 573 "
                "576 577 579 583 585 587 588 589 590 604 608 610 611 613 615 616 617 619 623 "
                "629 631 633 636 637 643 645 649 650 652 657 658 659 663 683 688 692 696 697 "
                "700 701 705 707 708 709 715 716 726 729 732 736 737 741 742 748 749 754 757 "
                "762 766 768 773 777 786 787 793 794 795 798 807 808 815 819 820 823 825 826 "
                "827 828 831 832 835 837 838 839 840 843 846 847 849 850 851 852 853 854 856 "
                "860 864 874 876 880 886 889 895 896 898 899 904 910 914 915 923 925 926 927 "
                "928 929 931 933 937 938 940 942 948 951 953 954 955 966 967 969 970 972 973 "
                "974 975 976 977 983 991 995 997 999 1004 1005 1009 1013 1014 1015 1019 1024 "
                "1026 1035 1048 1055 1056 1059 1061 1062 1065 1067 1068 1070 1075 1077 1079 "
                "1080 1082 1083 1090 1092 1094 1096 1125 1130 1132 1134 1135 1138 1139 1141 "
                "1149 1152 1155 1160 1164 1168 1170 1172 1173 1176 1179 1180 1185 1187 1189 "
                "1196 1199 1200 1201 1202 1203 1208 1209 1210 1214 1216 1222 1226 1228 1240 "
                "1241 1242 1245 1249 1251 1252 1253 1254 1261 1262 1263 1264 1265 1266 1269 "
                "1270 1273 1274 1275 1276 1277 1280 1281 1283 1295 1297 1298 1303 1306 1307 "
                "1308 1310 1313 1316 1317 1319 1324 1325 1326 1327 1329 1331 1333 1335 1340 "
                "1342 1343 1344 1345 1348 1349 1350 1352 1353 1354 1356 1357 1358 1364 1368 "
                "1370 1371 1372 1375 1376 1377 1378 1380 1383 1384 1385 1386 1388 1389 1393 "
                "1394 1395 1396 1397 1398 1399 1400 1401 1403 1405 1406 1409 1410 1412 1413 "
                "1414 1415 1417 1418 1423 1424 1425 1426 1427 1428 1430 1431 1433 1436 1437 "
                "1438 1439 1440 1441 1443 1444 1445 1447 1448 1452 1455 1479 1492 1507 1514 "
                "1568 1574 1581 1585 1593 1597 1607 1634 1641 1651 1655 1668 1688 1691 1692 "
                "1705 1706 1713 1714 1715 1718 1722 1731 1739 1742"
            ),
        },
    ),
    "sourcegraph-search-iteration-log.md": (
        "sourcegraph/handbook",
        {
            "sourcegraph/about": "1618",
            "sourcegraph/analytics": "63 65",
            "sourcegraph/customer": "111",
            "sourcegraph/docsite": "70",
            "sourcegraph/handbook": "18002 18535 18690 18776 18813 18881",
            "sourcegraph/sourcegraph": (
                "13313 13636 13907 13937 13944 13949 13951 13958 14016 14081 14093 14115 14147 "
                "14296 14335 14351 14367 14371 14433 14461 14535 14575 14619 14781 14783 14816 "
                "14977 15042 15091 15113 15122 15139 15144 15148 15178 15199 15201 15202 15203 "
                "15355 15367 15410 15443 15513 15549 15668 15992 15993 15997 16038 16039 16097 "
                "16121 16410 16475 16476 17414 18002 18203 18297 18303 18305 18348 18584 18703 "
                "18720 18732 19071 19102 19122 19226 19238 19242 19256 19265 19276 19278 19289 "
                "19568 19580 19678"
            ),
            "sourcegraph/zoekt": "74",
        },
    ),
}


def refs_by_entry(text: str, repo: str = "o/log", host: str = "github.com") -> dict[int, set[str]]:
    found = find_references(parse_log(text), host=host, repo=repo)
    return {item.entry.start_line: {str(r) for r in item.references} for item in found}


def test_reference_log_references_by_entry() -> None:
    log = parse_log((LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8"))

    assert refs_by_entry(log.render(), "sourcegraph/devx-scratch") == REFERENCE_LOG


def test_reference_log_has_76_targets_in_13_repositories() -> None:
    log = parse_log((LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8"))
    found = find_references(log, host="github.com", repo="sourcegraph/devx-scratch")
    targets = {ref for item in found for ref in item.references}

    assert len(targets) == 76
    assert len({ref.full_name for ref in targets}) == 13
    # Outside the sourcegraph organisation:
    assert sorted(str(t) for t in targets if t.owner != "sourcegraph") == [
        "Antiarchitect/asdf-helm#12",
        "buildkite/agent#1053",
        "kennyp/asdf-golang#79",
        "luizm/asdf-shfmt#7",
    ]


def test_reference_log_code_blocks_yield_nothing() -> None:
    # Lines 438-446 are `#6 2.325 ...` inside a fenced block of the 2022-06-15 entry.
    log = parse_log((LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8"))
    assert log.line(438).startswith("#6 2.325")
    assert 438 in log.code_lines

    assert REFERENCE_LOG[419] == {"sourcegraph/sourcegraph#37227"}


@pytest.mark.parametrize("name", sorted(OTHER_LOGS))
def test_every_other_log(name: str) -> None:
    repo, expected = OTHER_LOGS[name]
    log = parse_log((LOGS / name).read_text(encoding="utf-8"))
    found: defaultdict[str, set[int]] = defaultdict(set)
    for item in find_references(log, host="github.com", repo=repo):
        for ref in item.references:
            found[ref.full_name.lower()].add(ref.number)

    assert {key: " ".join(map(str, sorted(numbers))) for key, numbers in found.items()} == expected


def test_every_log_file_is_covered() -> None:
    names = {p.name for p in LOGS.glob("*.md")} - {"SOURCE.md", "devx-support-log-2022.md"}
    assert names == set(OTHER_LOGS)


LOG = """# Team log

Preamble mentions #1 and https://github.com/o/r/issues/2, which do not count.

## 2024-05-02 Fixed #3

@ann see https://github.com/o/r/issues/4#issuecomment-99, https://github.com/o/r/pull/5/files
and https://github.com/o/r/pull/6/commits/0123abc plus <https://github.com/o/r/pull/7>.
Also [the fix](https://github.com/O/R/pull/8#discussion_r1) and other/repo#9, GH-10 and (#11).

### Details with o/r#12

- a list item: https://github.com/o/r/issues/13
> a quote: https://github.com/o/r/issues/14

## 2024-05-01

`#20` and `https://github.com/o/r/issues/21` are code, and so is this:

```
#22 https://github.com/o/r/issues/23
```

    #24 indented code

<div>
https://github.com/o/r/issues/25
</div>

[#3248](https://github.com/o/infra/pull/3248) is labelled with its own number.
[o/r#26](https://example.com) names its target in the text.
[earlier](#2024-05-02-fixed-3) is an anchor, [spec](../spec.md#L30) a path.
https://sourcegraph.com/github.com/o/r/pull/27 is another host; https://github.com/o/r/commit/28
and https://github.com/o/r/pulls and https://github.com/o/r/issues/new are not issues.
issue#29, x/y/z#31 and https://example.com/a/b#32 are not references, a&#30 is.

# Archive

https://github.com/o/r/issues/40 under an H1 belongs to no entry.
"""


def test_what_counts_and_what_does_not() -> None:
    assert refs_by_entry(LOG, "o/log") == {
        5: {
            "o/log#3",
            "o/r#4",
            "o/r#5",
            "o/r#6",
            "o/r#7",
            "O/R#8",
            "other/repo#9",
            "o/log#10",
            "o/log#11",
            "o/r#12",
            "o/r#13",
            "o/r#14",
        },
        16: {"o/infra#3248", "o/r#26", "o/log#30"},
    }


def test_same_target_counts_once_per_entry_and_keeps_what_the_url_says() -> None:
    text = (
        "## 2024-01-02\n\n#5, o/log#5, https://github.com/o/log/pull/5 and "
        "https://github.com/O/Log/issues/5#top\n\n"
        "## 2024-01-01\n\nGH-5\n"
    )
    found = find_references(parse_log(text), host="github.com", repo="o/log")

    assert [item.references for item in found] == [
        (Reference("o", "log", 5),),
        (Reference("o", "log", 5),),
    ]
    assert [ref.kind for item in found for ref in item.references] == ["pull", None]


def test_enterprise_host_only() -> None:
    text = (
        "## 2024-01-01\n\nhttps://ghe.example.com/team/app/issues/3 and "
        "https://github.com/team/app/issues/4\n"
    )

    assert refs_by_entry(text, "team/log", host="ghe.example.com") == {1: {"team/app#3"}}


def test_reference_definitions_elsewhere_in_the_file() -> None:
    text = "## 2024-01-01\n\nSee [the bug].\n\n[the bug]: https://github.com/o/r/issues/7\n"

    assert refs_by_entry(text) == {1: {"o/r#7"}}


def test_web_host_from_repository_html_url() -> None:
    assert web_host("https://github.com/octo/log") == "github.com"
    assert web_host("https://GHE.example.com:8443/octo/log") == "ghe.example.com:8443"


def test_references_in_text() -> None:
    assert references_in_text(
        "#1, a/b#2 and https://github.com/c/d/pull/3", host="github.com", repo="o/r"
    ) == {Reference("o", "r", 1), Reference("a", "b", 2), Reference("c", "d", 3)}


def test_bad_input_is_no_reference() -> None:
    assert refs_by_entry("## 2024-01-01\n\n#0 #99999999999 GH-0 o/r#0\n") == {}
    assert refs_by_entry("") == {}


def entry_refs(body: str) -> set[str]:
    """The references of one entry whose body is `body`, in repository o/log."""
    found = refs_by_entry(f"## 2024-01-01\n\n{body}\n", "o/log")
    return found.get(1, set())


# GitHub's autolink rules ("Autolinked references and URLs" on docs.github.com): `#N`,
# `GH-N`, `owner/repo#N` and issue or pull request URLs, after the start of the text or a
# character that is not a letter, digit or `_`; an owner spelled as a GitHub login; not
# inside another URL; nothing in code. Each case: (entry body, what GitHub links).
LONG_OWNER = "a" * 39
AUTOLINK_CASES: list[tuple[str, set[str]]] = [
    # `#N`: the log's own repository.
    ("#5", {"o/log#5"}),
    ("see #5.", {"o/log#5"}),
    ("(#5)", {"o/log#5"}),
    ('"#5"', {"o/log#5"}),
    ("-#5", {"o/log#5"}),
    ("/#5", {"o/log#5"}),
    ("&#5", {"o/log#5"}),
    ("##5", {"o/log#5"}),
    ("[#5]", {"o/log#5"}),
    ("*#5*", {"o/log#5"}),
    ("**#5**", {"o/log#5"}),
    ("\\#5", {"o/log#5"}),
    ("&#35;5", {"o/log#5"}),
    ("#5,#6", {"o/log#5", "o/log#6"}),
    ("x#5", set()),
    ("_#5", set()),
    ("#5a", set()),
    ("#5_", set()),
    ("#-5", set()),
    ("# 5 in a line", set()),
    ("#0", set()),
    ("#2147483648", set()),
    ("#" + "1" * 5000, set()),
    # `GH-N`, in any case.
    ("GH-5", {"o/log#5"}),
    ("gh-5", {"o/log#5"}),
    ("Gh-5", {"o/log#5"}),
    ("-GH-5", {"o/log#5"}),
    ("(gh-5)", {"o/log#5"}),
    ("xGH-5", set()),
    ("GH-5x", set()),
    ("GH5", set()),
    ("GH-0", set()),
    # `owner/repo#N`.
    ("o/r#5", {"o/r#5"}),
    ("(o/r#5)", {"o/r#5"}),
    ("octo-org/my.repo_name-2#5", {"octo-org/my.repo_name-2#5"}),
    (f"{LONG_OWNER}/r#5", {f"{LONG_OWNER}/r#5"}),
    (f"{LONG_OWNER}a/r#5", set()),
    ("o-/r#5", set()),
    ("-o/r#5", set()),
    ("o--x/r#5", set()),
    ("o_x/r#5", set()),
    ("o/..#5", set()),
    ("o/r#5a", set()),
    ("o/r#0", set()),
    ("octocat#5", set()),
    # Issue and pull request URLs on the log's host.
    ("https://github.com/o/r/issues/5", {"o/r#5"}),
    ("https://github.com/o/r/pull/5", {"o/r#5"}),
    ("http://github.com/o/r/issues/5", {"o/r#5"}),
    ("https://www.github.com/o/r/issues/5", {"o/r#5"}),
    ("https://github.com/O/R/issues/5", {"O/R#5"}),
    ("https://github.com/o/r/issues/5#issuecomment-1", {"o/r#5"}),
    ("https://github.com/o/r/pull/5/files", {"o/r#5"}),
    ("https://github.com/o/r/pull/5/commits/0123abc", {"o/r#5"}),
    ("https://github.com/o/r/issues/5,#6", {"o/r#5"}),
    ("<https://github.com/o/r/issues/5>", {"o/r#5"}),
    ("[the bug](https://github.com/o/r/issues/5)", {"o/r#5"}),
    ("[the bug][b]\n\n[b]: https://github.com/o/r/issues/5", {"o/r#5"}),
    ("[b]: https://github.com/o/r/issues/5\nan unused definition, then #6", {"o/log#6"}),
    ("[the bug][nowhere] https://example.com/#5", set()),
    ("https://github.com/o-/r/issues/5", set()),
    ("https://github.com/o/r/issues", set()),
    ("https://github.com/o/r/issues/new", set()),
    ("https://github.com/o/r/issues/5x", set()),
    ("https://github.com/o/r/commit/5", set()),
    ("https://gitlab.com/o/r/issues/5", set()),
    # Not inside another URL.
    ("https://example.com/?next=https://github.com/o/r/issues/5", set()),
    ("https://example.com/go/https://github.com/o/r/issues/5", set()),
    ("[x](https://example.com/?u=https://github.com/o/r/issues/5)", set()),
    ("https://sourcegraph.com/github.com/o/r/pull/5", set()),
    ("https://example.com/#5", set()),
    ("https://example.com/o/r#5", set()),
    ("www.example.com/#5", set()),
    # Nothing in code; link targets that are no URL are anchors.
    ("`#5` and `https://github.com/o/r/issues/6`", set()),
    ("a `code\n#5` span", set()),
    ("```\n#5\n```", set()),
    ("    #5 indented", set()),
    ("a <!-- #5 --> b", set()),
    ("[#5](https://example.com)", set()),
    ("[earlier](#5)", set()),
    ("![#5](https://github.com/o/r/issues/5)", set()),
    # Every kind of prose block.
    ("> a quote #5", {"o/log#5"}),
    ("- an item #5\n  1. nested gh-6", {"o/log#5", "o/log#6"}),
    ("| a | b |\n| - | - |\n| x | #5 |", {"o/log#5"}),
    ("### Sub-heading #5", {"o/log#5"}),
    ("<span>#5</span>", {"o/log#5"}),
    ("<details>\n\n#5\n\n</details>", {"o/log#5"}),
]
# Where chronolog differs from GitHub on purpose (docs/backlinks.md says why): (entry
# body, what chronolog finds, what GitHub links).
DIFFERENCES: list[tuple[str, set[str], set[str]]] = [
    ("[o/r#5](https://example.com)", {"o/r#5"}, set()),
    ("[see https://github.com/o/r/issues/5](https://example.com)", {"o/r#5"}, set()),
    ("<div>\n#5\n</div>", set(), {"o/log#5"}),
]


@pytest.mark.parametrize(
    ("body", "expected"), AUTOLINK_CASES, ids=[body[:60] for body, _ in AUTOLINK_CASES]
)
def test_autolinked_references_as_github_links_them(body: str, expected: set[str]) -> None:
    assert entry_refs(body) == expected


def test_there_are_at_least_72_crafted_cases() -> None:
    assert len(AUTOLINK_CASES) >= 72
    assert len({body for body, _ in AUTOLINK_CASES}) == len(AUTOLINK_CASES)


@pytest.mark.parametrize(("body", "ours", "github"), DIFFERENCES)
def test_differences_from_github_are_documented(
    body: str, ours: set[str], github: set[str]
) -> None:
    docs = (Path(__file__).parents[1] / "docs" / "backlinks.md").read_text(encoding="utf-8")

    assert entry_refs(body) == ours
    assert body.replace("\n", "\\n") in docs
