#!/usr/bin/env python3
"""Builds labelled.jsonl: the evaluation set for apispm-detect.

Each line: {"text": ..., "expect": [types present], "source": ...[, "note": ...]}.
Three parts:
  1. vectors copied from public detector test suites (source = repository and path);
  2. positives generated the way those suites generate theirs (random values in the same
     formats and the same assignment wrappers; source says "generated: <format> (after <suite>)");
  3. look-alikes: values that resemble sensitive data but are not (timestamps, ids, UUIDs,
     hashes, versions, decimals, identifiers, encoded blobs, ...).
Deterministic (fixed seed): run `python3 make_labelled.py > labelled.jsonl`.
Labels state what a careful reader would call the text; where this set departs from the
source suite's label, "note" says why.
"""
import base64, json, random, string, sys

R = random.Random(20240611)
OUT = []


def add(text, expect, source, note=None):
    d = {"text": text, "expect": sorted(set(expect)), "source": source}
    if note:
        d["note"] = note
    OUT.append(d)


ALNUM = string.ascii_letters + string.digits


def rnd(n, alphabet=ALNUM):
    return "".join(R.choice(alphabet) for _ in range(n))


def luhn_complete(prefix, length):
    body = prefix + "".join(R.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


# ---------------------------------------------------------------- 1. public vectors
PRES = "microsoft/presidio presidio-analyzer/tests/"
for t in ["4012888888881881 4012-8888-8888-1881 4012 8888 8888 1881", "122000000000003",
          "my credit card: 122000000000003", "371449635398431", "5555555555554444",
          "5019717010103742", "30569309025904", "6011000400000000", "3528000700000000",
          "6759649826438453", "4111111111111111", "4917300800000000", "4484070000000000"]:
    add(t, ["credit_card"], PRES + "test_credit_card_recognizer.py")
for t in ["4012-8888-8888-1882", "my credit card number is 4012-8888-8888-1882", "36168002586008",
          "my credit card number is 36168002586008"]:
    add(t, [], PRES + "test_credit_card_recognizer.py")

for t in ["078-05-1123", "078.05.1123", "078 05 1123"]:
    add(t, ["ssn"], PRES + "test_us_ssn_recognizer.py")
for t in ["0780511201", "078051120", "000000000", "666000000", "078-05-0000", "078 00 1123", "693-09.4444"]:
    add(t, [], PRES + "test_us_ssn_recognizer.py")
add("078051121", [], PRES + "test_us_ssn_recognizer.py",
    "presidio gives a bare 9-digit run a weak score (0.3-0.4); without a key or dashes it is an id here")

for t in ["info@presidio.site", "my email is info@presidio.site",
          "try one of this emails: info@presidio.site or anotherinfo@presidio.site"]:
    add(t, ["email"], PRES + "test_email_recognizer.py")
add("the email is my email is info@presidio.", [], PRES + "test_email_recognizer.py")

IP = PRES + "test_ip_recognizer.py"
for t in ["microsoft.com 192.168.0.1", "microsoft.com 684D:1111:222:3333:4444:5555:6:77",
          "my ip: 684D:1111:222:3333:4444:5555:6:77", "2345:0425:2CA1:0000:0000:0567:5673:23b5",
          "2345:0425:2CA1::0567:5673:23b5", "2400:c401::5054:ff:fe1b:b031", "my ip: ::1",
          "connecting from ::1", "fe80::1", "2001:db8::8a2e:370:7334", "2001:db8:85a3::8a2e:370",
          "2001:db8::1", "fe80::1%eth0", "Server IP: 2001:db8::1", "Connect to [2001:db8::1]:8080",
          "my ip is 2400:c401::5054:ff:fe1b:b031", "Gateway: fe80::1 on interface",
          "Visit http://[2001:db8::1]/path", "SSH to user@2001:db8::1", "::ffff:192.0.2.1",
          "::ffff:10.0.0.1", "::ffff:172.16.0.1", "::ffff:127.0.0.1", "::ffff:255.255.255.255",
          "::ffff:0:192.168.1.1", "Mapped: ::ffff:192.168.1.1", "Connect to ::ffff:10.0.0.1 now",
          "[::ffff:192.168.1.1]:80", "::192.168.1.1", "::10.0.0.1", "2001:db8::192.168.1.1",
          "2001:db8:1::192.0.2.1", "64:ff9b::192.0.2.1", "2001:db8:85a3::8a2e:192.168.0.1",
          "0:0:0:0:0:FFFF:129.144.52.38", "2001:db8:0:0:0:0:192.168.1.1",
          "NAT64: 64:ff9b::198.51.100.1", "Tunnel to 2001:db8::10.0.0.1",
          "IPv4: 192.168.1.1, IPv6: 2001:db8::1", "Primary: 10.0.0.1, Secondary: 172.16.0.1",
          "(192.168.1.1)", "'2001:db8::1'", "IP: 192.168.1.1.", "192.168.1.1,", "[2001:db8::1]",
          "Server IP: 2400:c401::5054:ff:fe1b:b031.", "2001:db8::1.", "192.168.2.1@eth0",
          "text::ffff:192.0.2.1", "foo2001:db8::10.0.0.1", "localhost 127.0.0.1",
          "Broadcast 255.255.255.255", "Private 10.0.0.0", "Link-local 169.254.1.1",
          "Subnet 172.16.0.0", "Default 0.0.0.0", "Loopback ::1", "Multicast ff02::1",
          "192.168.1.0/24", "10.0.0.0/8", "2001:db8::/32", "fe80::/10", "::1/128",
          "Subnet: 192.168.1.0/24", "Route is 10.0.0.0/8.", "10.0.0.0/123"]:
    add(t, ["ip_address"], IP)
add("192.168.1.1.1", ["ip_address"], IP)
for t in ["my ip: 192.168.0", "684D:1111:222:3333:4444:5555:77", "MAC address aa:bb:cc:dd:ee:ff",
          "Time 12:34:56", "Ratio 1:2:3:4", "CSS color #ff00aa", "Version 1.2.3", "Port 80:443",
          "abc:def:ghi", "123:abc", "file:///path/to/file", "std::cout", "MyClass::toString", ":::",
          "IP192.168.1.1text", "text192.168.1.1", "fe80::1text", "text2001:db8::1", "256.256.256.256",
          "192.168.1.256", "gggg:hhhh::1234", "192.168.1", "300.168.1.1", "12345:db8::1",
          "2001::db8::1", "::ffff:256.0.0.1", "::ffff:192.168.1"]:
    add(t, [], IP)

add("My US number is (415) 555-0132, and my international one is +1 415 555 0132", ["phone"],
    PRES + "test_phone_recognizer.py")
add("My Israeli number is 09-7625400", ["phone"], PRES + "test_phone_recognizer.py")

IB = PRES + "test_iban_recognizer.py"
for t in ["AL47212110090000000235698741", "AL47 2121 1009 0000 0002 3569 8741", "AD1200012030200359100100",
          "AD12 0001 2030 2003 5910 0100", "AT611904300234573201", "AZ21NABZ00000000137010001944",
          "BH67 BMAG 0000 1299 1234 56", "BY13NBRB3600900000002Z00AB00", "BE68539007547034",
          "BE71 0961 2345 6769", "BR97 0036 0305 0000 1000 9795 493P 1", "BG80BNBG96611020345678",
          "CR05 0152 0200 1026 2840 66", "HR1210010051863000160", "CY17 0020 0128 0000 0012 0052 7600",
          "CZ6508000000192000145399", "DK50 0040 0440 1162 43", "DO28BAGR00000001212453611324",
          "TL380080012345678910157", "EE38 2200 2210 2014 5685", "FO6264600001631634",
          "FI21 1234 5600 0007 85", "FR1420041010050500013M02606", "GE29 NB00 0000 0101 9049 17",
          "DE89370400440532013000", "GI75 NWBK 0000 0000 7099 453", "GR1601101250000000012300695",
          "GL89 6471 0001 0002 06", "GT82TRAJ01020000001210029690", "HU42 1177 3016 1111 1018 0000 0000",
          "IS140159260076545510730339", "IE29 AIBK 9311 5212 3456 78", "IL620108000000099999999",
          "IT60 X054 2811 1010 0000 0123 456", "JO94CBJO0010000000000131000302", "KZ86 125K ZT50 0410 0100",
          "XK051212012345678906", "KW81 CBKU 0000 0000 0000 1234 5601 01", "LV80BANK0000435195001",
          "LB62 0999 0000 0001 0019 0122 9114", "LI21088100002324013AA", "LT12 1000 0111 0100 1000",
          "LU280019400644750000", "MT84 MALT 0110 0001 2345 MTLC AST0 01S", "MR1300020001010000123456753",
          "MU17 BOMM 0101 1010 3030 0200 000M UR", "MD24AG000225100013104168", "MC58 1122 2000 0101 2345 6789 030",
          "ME25505000012345678951", "NL91 ABNA 0417 1643 00", "MK07250120000058984", "NO93 8601 1117 947",
          "PK36SCBL0000001123456702", "PS92 PALS 0000 0000 0400 1234 5670 2", "PL61109010140000071219812874",
          "PT50 0002 0123 1234 5678 9015 4", "QA58DOHB00001234567890ABCDEFG", "RO49 AAAA 1B31 0075 9384 0000",
          "SM86U0322509800000000270100", "SA03 8000 0000 6080 1016 7519", "RS35260005601001611379",
          "SK31 1200 0000 1987 4263 7541", "SI56263300012039086", "ES91 2100 0418 4502 0005 1332",
          "SE4550000000058398257466", "CH93 0076 2011 6238 5295 7", "TN59 1000 6035 1835 9847 8831",
          "TR330006100519786457841326", "AE07 0331 2345 6789 0123 456", "GB29NWBK60161331926819"]:
    add(t, ["iban"], IB)
for t in ["AL47 212A 1009 0000 0002 3569 8741", "AL47 2121 1009 0000 0002 3569 8740", "AD12000A2030200359100100",
          "AT61 1904 3002 3457 3202", "AZ21NABZ00000000137010001945", "BH67BMAG00001299123457",
          "BE71 0961 2345 6760", "BR97 0036 0305 0000 1000 9795 493P 2", "CR05 0152 0200 1026 2840 67",
          "HR12 1001 0051 8630 0016 1", "CZ65 0800 0000 1920 0014 5390", "DK50 0040 0440 1162 44",
          "EE38 2200 2210  014 5686", "FI21 1234 5600 0007 86", "FR14 2004 1010 0505 0001 3M02 607",
          "DE89 3704 0044 0532 0130 01", "GI75 aWBK 0000 0000 7099 453", "G T82 TRAJ 0102 0000 0012 1002 9690",
          "HU42 1177 3016 1111 1018 0000 0001", "IE29 AIBK 9311 5212 3456 79", "IT60 XW54 2811 1010 0000 0123 456",
          "KW81 aBKU 0000 0000 0000 1234 5601 01", "LV80 bANK 0000 4351 9500 1", "NL91 1BNA 0417 1643 00",
          "NO93 8601 1117 948", "PL61 1090 1014 0000 0712 1981 2875", "SE45 5000 0000 0583 9825 7467",
          "ES91 2100 0418 4502 0005 1333", "CH93 0076 2011 6238 5295 8", "GB29 NWBK 6016 1331 9268 10",
          "GB29 1WBK 6016 1331 9268 19", "TR33 0006 1005 1978 6457 8413 27"]:
    add(t, [], IB)

GL = "gitleaks/gitleaks cmd/generate/config/rules/"
add("AKIALALEMEL33243OLIB", ["api_key"], GL + "aws.go")
add("key = AKIAXXXXXXXXXXXXXXXX", [], GL + "aws.go")
add("aws_access_key: AKIAIOSFODNN7EXAMPLE", [], GL + "aws.go")
add('msgstr "Näytä asiakirjamallikansio."', [], GL + "aws.go")
add("TODAYINASIAASACKOFRICEFELLOVER", [], GL + "aws.go")
add("AIzaSyNHxIf32IQ1a1yjl3ZJIqKZqzLAK1XhDk-", ["api_key"], GL + "gcp.go")
for t in ["GWw4hjABFzZCGiRpmlDyDdo87Jn9BN9THUA47muVRNunLxsa82tMAdvmrhOqNkRKiYMEAFbTJAIzaTesb6Tscfcni8vIpWZqNCXFDFslJtVSvFDq",
          "AIzaTesb6Tscfcni8vIpWZqNCXFDFslJtVSvFDqabcd123", 'apiKey: "AIzaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"',
          "AIZASYCO2CXRMC9ELSKLHLHRMBSWDEVEDZTLO2O"]:
    add(t, [], GL + "gcp.go")
# gitleaks lists these two as false positives of its Google-key rule only (the AIza run has
# no word boundary); read as text, each is one long random token.
OUT[-4]["expect"] = ["api_key"]
OUT[-4]["note"] = "a rule-boundary FP for gitleaks' AIza rule; as a whole it is a 112-char random token"
OUT[-3]["expect"] = ["api_key"]
OUT[-3]["note"] = "a rule-boundary FP for gitleaks' AIza rule; as a whole it is a 43-char random token"
for t in ['"bot_token1": "xoxb-781236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD"',
          '"bot_token2": "xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1MBS"',
          '"bot_token3": "xoxb-4614724432022-5152386766518-O5WzjWGLG0wcCm2WPrjEmnys"',
          '"user_token1": "xoxp-41684372915-1320496754-45609968301-e708ba56e1517a99f6b5fb07349476ef"',
          '"user_token2": "xoxp-283316862324-298911817009-298923149681-44f585044dace54f5701618e97cd1c0b"',
          '"token1": "xapp-1-A052FGTS2DL-5171572773297-610b6a11f4b7eb819e87b767d80e6575a3634791acb9a9ead051da879eb5b55e"',
          '"bot_token1": "xoxb-263594206564-FGqddMF8t08v8N7Oq4i57vs1"', '"bot_token3": "xoxb-47834520726-N3otsrwj8Cf99cs8GhiRZsX1"',
          '"bot_token9": "xoxb-50014434-slacktokenx29U9X1bQ"',
          '"access_token": "xoxa-2-511111111-31111111111-3111111111111-e039d02840a0b9379c"',
          '"access_token1": "xoxs-3206092076-3204538285-3743137121-836b042620"',
          '"access_token7": "xoxo-523423-234243-234233-e039d02840a0b9379c"',
          '"url_private": "https:\\/\\/files.slack.com\\/files-pri\\/T04MCQMEXQ9-F04MAA1PKE3\\/image.png?t=xoxe-4726837507825-4848681849303-4856614048758-e0b1f3d4cb371f92260edb0d9444d206"']:
    add(t, ["api_key"], GL + "slack.go")
for t in ["xoxb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx", "xoxb-xxx", "xoxb-12345-abcd234", "xoxb-xoxb-my-bot-token",
          '"token1": "xoxp-1234567890"', '"token2": "xoxp-XXXXXXXXXX-XXXXXXXXXX-XXXXXXXXXXX-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"',
          '"token3": "xoxp-1234-1234-1234-4ddbc191d40ee098cbaae6f3523ada2d"',
          '"token4": "xoxp-572370529330-573807301142-572331691188-####################"',
          "xoxe.xoxp-1-SlackAppConfigurationAccessTokenHere", "xoxe.xoxp-1-RANDOMSTRINGHERE", "xoxe.xoxp-1-initial",
          "xoxb-xxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx", "xoxb-Slack_BOT_TOKEN", "xoxb-abcdef-abcdef",
          "https://github.com/xoxa-nyc/xoxa-nyc.github.io/blob/master/README.md",
          "https://indieweb.org/images/3/35/2018-250-xoxo-indieweb-1.jpg",
          "https://docs.google.com/document/d/1W7KCxOxP-1Fy5EyF2lbJGE2WuKmu5v0suYqoHas1jRM"]:
    add(t, [], GL + "slack.go")
for t in ["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",
          "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",
          "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"]:
    add(t, ["api_key"], GL + "openai.go")
add("glpat-XXXXXXXXXXX-XXXXXXXX", [], GL + "gitlab.go")
add("glptt-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", [], GL + "gitlab.go")
add("eyJhbGciOieeeiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.a_5icKBDo-8EjUlrfvz2k2k-FYaindQ0DEYNrlsnRG0", [],
    GL + "jwt.go", "gitleaks' sample has a corrupted header ({\"alg\":\"y\u00e7^..\"): not valid JSON, so not a JWT by structure; the segment is base64 of JSON, not a random secret")
PK1 = ("-----BEGIN PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAVwAAAAdzc2gtcnNhAAAAAwEAAQAAAEEAqPfgaTEWEP3S9w0tgsicURfo+nLW09/0KfOPinhYZ4ouzU+3xC4plEp8Ut9FgL0AgqNslNaK34Kq+NZjO9DAQAAATB+9/CSfvfwkgAAAAdzc2gtcnNhAAAAQQCo9+BpMRYQ/dL3DS2CyJxRF+j6ctbT3/Qp84+KeFhnii7NT7fELilKUSnxS30WAvQCCo2yU1orfgqr41mM70MBAAAAAwEAAQAAAEAgkuLEHLaqkWhLgNKagSajeobLS3rPT0Agm0f7k55FXVt743hwNgkp98bMNrzy9AQ1mJGbQZGrpr4c8ZAx3aRNAAAAIBOs/5OiPgoTdSy7bcF9IGpSE8ZgGKzgYQVZeN97YE00AAAAIQCjEr8yAZ54u6Lfzkontk5iS2OEsE0AHr18rBNkWxQ2HQAAACEBCUEaRQnMnbp79mxDXDf6AU0cN/RPBjb9qSHDcWZHGzUAAAAXcGhwc2VjbGliLWdlbmVyYXRlZC1rZXkBAgME\n-----END PRIVATE KEY-----")
add(PK1, ["private_key"], GL + "privatekey.go")
PK2 = ("-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEmo3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2kTQIhAKMSvzIBnni7ot/OSie2TmJLY4SwTQAevXysE2RbFDYdAiEBCUEaRQnMnbp79mxDXDf6AU0cN/RPBjb9qSHDcWZHGzUCIG2Es59z8ugGrDY+pxLQnwfotadxd+Uyv/Ow5T0q5gIJAiEAyS4RaI9YG8EWx/2w0T67ZUVAw8eOMB6BIUg0Xcu+3okCIBOs/5OiPgoTdSy7bcF9IGpSE8ZgGKzgYQVZeN97Y==\n-----END RSA PRIVATE KEY-----\n")
add(PK2, ["private_key"], GL + "privatekey.go")
add(json.dumps({"key": PK2}), ["private_key"], GL + "privatekey.go", "the same key JSON-escaped, as it travels in a body")

GEN = GL + "generic.go"
for t in ['"client_secret" : "6da89121079f83b2eb6acccf8219ea982c3d79bccc3e9c6a85856480661f8fde",',
          '"credentials" : "0afae57f3ccfd9d7f5767067bc48b30f719e271ba470488056e37ab35d4b6506"',
          '"user_auth": "am9obmRvZTpkMDY5NGIxYi1jMTcxLTQ4ODYt+TMyYS0wMmUwOWQ1/mIwNjc="',
          "'access_token': 'eyJ0eXAioiJKV1slS3oASx=='",
          ' utils.GetEnvOrDefault("api_token", "dafa7817-e246-48f3-91a7-e87653d587b8")',
          'genericToken = "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"',
          'generic_token: CLOJARS_34bf0e88955ff5a1c328d6a7491acc4f48e865a7b8dd4d70a70749037443']:
    add(t, ["api_key"], GEN)
for t in ['"accessor":"rA1wk0Y45YCufyfq",', "report_access_id: e8e4df51-2054-49b0-ab1c-516ac95c691d",
          'accessibilityYesOptionId = "0736f5ef-7e88-499a-80cc-90c85d2a5180"',
          'this.ultraPictureBox1.Name = "ultraPictureBox1";', "rapidstring:marm64-uwp=fail",
          "COMMUNICATION_API_VERSION=rc0.13.0_20230412_0712-SNAPSHOT",
          "MantleAPI_version=9a038989604e8da62ecddbe2094b16ce1b778be1", "apiUrl=apigee.corpint.com",
          'X-API-Name": "NRG0-Hermes-INTERNAL-API",', "X-MS-Exchange-Organization-AuthSource: sm02915.int.contoso.com",
          "credentialsId: 'ff083f76-7804-4ef1-80e4-fe975bb9141b'", '  "credentialId": "B9mTcFSck2LzJO2S3ols63",',
          "dev.credentials.url=dev-lb1.api.f4ke.com:5215", 'keyword: "Befaehigung_P2"',
          'public_key = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"', "|| pIdxKey->default_rc==0",
          "primaryKey=" + rnd(30, ALNUM + "-_.="), "foreignKey=" + rnd(30, ALNUM + "-_.="),
          "key_down_event=" + rnd(30, ALNUM + "-_.="), "issuerKeyHash=" + rnd(30, ALNUM + "-_.="),
          "IceSSL.KeyFile=s_rsa1024_priv.pem", '"bucket_key": "SalesResults-1.2"', "schemaKey = 'DOC_Vector_5_32'",
          'sequenceKey = "18"', "app.keystore.file=env/cert.p12", "-DKEYTAB_FILE=/tmp/app.keytab",
          '                                "key_name": "prod5zyxlmy-cmk",',
          '                                "kms_key_id": "555ea4a3-d53a-4412-9c66-3a7cb667b0d6",',
          '\t"key_vault_name": "web21prqodx24021",', "  keyVaultToStoreSecrets: cmp2-qat-1208358310",
          'const validKeyChars = "0123456789abcdefghijklmnopqrstuvwxyz_-."',
          'const keyStr = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"',
          "key_length = XSalsa20.key_length", 'pub const SN_id_Gost28147_89_None_KeyMeshing = "id-Gost28147-89-None-KeyMeshing"',
          'AVEncVideoMaxKeyframeDistance, "2987123a-ba93-4704-b489-ec1e5f25292c"', "            keyPressed = kVK_Return.u16",
          'LLM_SECRET_NAME = "NEXUS-GPT4-API-KEY"', "  <UserSecretsId>79a3edd0-2092-40a2-a04d-dcb46d5ca9ed</UserSecretsId>",
          "secret_length = X25519.secret_length", "secretSize must be >= XXH3_SECRET_SIZE_MIN",
          "    access_token_url='https://github.com/login/oauth/access_token',",
          'publicToken = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"',
          'notes            = "Maven - io.jsonwebtoken:jjwt-jackson-0.11.2"',
          "csrf-token=Mj2qykJO5rELyHgezQ69nzUX0i3OH67V7+V4eUrLfpuyOuxmiW9rhROG/Whikle15syazJOkrjJa3U2AbhIvUw==",
          'clientId = "73082700-1f09-405b-80d0-3131bfd6272d"', "GITHUB_API_KEY=\nDYNATRACE_API_KEY=",
          "snowflake.password=\njdbc.snowflake.url=",
          "import { chain_Anvil1_Key, chain_Anvil2_Key } from '../blockchain-tests/pallets/supported-chains/consts';",
          'SRCREV_moby = "43fc912ef59a83054ea7f6706df4d53a7dea4d80"',
          'LIC_FILES_CHKSUM = "file://${WORKDIR}/license.html;md5=5c94767cedb5d6987c902ac850ded2c6"',
          "client_vpn_endpoint_id = aws_ec2_client_vpn_endpoint.client-vpn-endpoint.id"]:
    add(t, [], GEN)
add('author = "james.fake@ymail.com",', ["email"], GEN, "a gitleaks generic-key false positive that is an email address")

DS = "Yelp/detect-secrets tests/plugins/"
for t in ["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
          "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IsWww6HFkcOtIMOWxZHDqcOoIiwiaWF0IjoxNTE2MjM5MDIyfQ.k5HibI_uLn_RTuPcaCNkaVaQH2y5q6GvJg8GPpGMRwQ"]:
    add(t, ["jwt"], DS + "jwt_test.py")
for t in ["eyJ0eXAiOiJKV1QiLA0KImFsZyI6IkhTMjU2In0.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
          "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJuYW1lIjoiSm9lIiwKInN0YXR1cyI6ImVtcGxveWVlIgp9",
          "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"]:
    add(t, [], DS + "jwt_test.py", "two parts only: the product spec requires header.payload.signature")
for t in ['{"alg":"HS256","typ":"JWT"}.{"name":"Jon Doe"}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
          "bm90X3ZhbGlkX2pzb25fYXRfYWxs.bm90X3ZhbGlkX2pzb25fYXRfYWxs.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
          "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", "jwt",
          "eyJhbasdGciOiJIUaddasdasfsasdasdzI1NiIasdsInR5cCI6IkpXVCasdJasd9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
          "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
          "eyJAAAA.eyJBBB", "eyJBB.eyJCC.eyJDDDD"]:
    add(t, [], DS + "jwt_test.py")
add("AKIAZZZZZZZZZZZZZZZZ", [], DS + "aws_key_test.py", "detect-secrets flags it; gitleaks (aws.go) treats a one-letter body as a low-entropy placeholder, as we do")
add("akiazzzzzzzzzzzzzzzz", [], DS + "aws_key_test.py")
add("AKIAZZZ", [], DS + "aws_key_test.py")
for t in ["xoxp-523423-234243-234233-e039d02840a0b9379c", "xoxo-523423-234243-234233-e039d02840a0b9379c",
          "xoxs-523423-234243-234233-e039d02840a0b9379c", "xoxa-511111111-31111111111-3111111111111-e039d02840a0b9379c",
          "xoxa-2-511111111-31111111111-3111111111111-e039d02840a0b9379c", "xoxr-523423-234243-234233-e039d02840a0b9379c",
          "xoxb-34532454-e039d02840a0b9379c"]:
    add(t, ["api_key"], DS + "slack_test.py")
add("https://hooks.slack.com/services/Txxxxxxxx/Bxxxxxxxx/xxxxxxxxxxxxxxxxxxxxxxxx", [], DS + "slack_test.py",
    "an all-x placeholder; detect-secrets matches the URL shape, gitleaks-style entropy rules refuse it")
add("sk_live_ReTllpYQYfIZu2Jnf2lAPFjD", ["api_key"], DS + "stripe_key_test.py")
add("rk_live_5TcWfjKmJgpql9hjpRnwRXbT", ["api_key"], DS + "stripe_key_test.py")
add("pk_live_j5krY8XTgIcDaHDb3YrsAfCl", [], DS + "stripe_key_test.py")
add("sk_live_", [], DS + "stripe_key_test.py")
HE = DS + "high_entropy_strings_test.py"
for fmt in ['"{}"', "'{}'", "{}"]:
    add(fmt.format("c3VwZXIgbG9uZyBzdHJpbmcgc2hvdWxkIGNhdXNlIGVub3VnaCBlbnRyb3B5"), ["api_key"], HE)
    add(fmt.format("I6FwzQZFL9l-44nviI1F04OTmorMaVQf9GS4Oe07qxL_vNkW6CRas4Lo42vqJMT0M6riJfma_f-pTAuoX2U="), ["api_key"], HE)
    add(fmt.format("c3VwZXIgc2VjcmV0IHZhbHVl"), [], HE)
    add(fmt.format("Zrm-ySTAq7D2sHk="), [], HE)
    add(fmt.format("aaaaaa"), [], HE)
add('String #1: "aaaaaa"; String #2: "c3VwZXIgbG9uZyBzdHJpbmcgc2hvdWxkIGNhdXNlIGVub3VnaCBlbnRyb3B5"', ["api_key"], HE)
add('"2b00042f7481c7b056c4b410d28f33cf"', [], HE, "bare 32-hex is an md5/id look-alike here; under a credential key it is flagged (next line)")
add('"secret": "2b00042f7481c7b056c4b410d28f33cf"', ["api_key"], HE, "the detect-secrets hex secret under a credential key")
add(json.dumps("-----BEGIN RSA PRIVATE KEY-----\nc3VwZXIgZHVwZXIgc2VjcmV0IHBhc3N3b3JkLCBzdXBlciBkdXBlciBzZ\nWNyZXQgcGFzc3dvcmQhMTIzNCMkJQpzdXBlciBkdXBlciBzZWNyZXQgcGFzc3dvcmQsIHN1cGVyIGR1cGVyIHNlY3JldCBwYXNzd29yZCExMjM0IyQlCgo=\n-----END RSA PRIVATE KEY-----"),
    ["private_key"], DS + "private_key_test.py")
add("some text here\n-----BEGIN PRIVATE KEY-----\nc3VwZXIgZHVwZXIgc2VjcmV0IHBhc3N3b3JkLCBzdXBlciBkdXBlciBzZWNyZXQgcGFzc3dvcmQhMTIzNCMkJQpzdXBlciBkdXBlciBzZWNyZXQgcGFzc3dvcmQsIHN1cGVyIGR1cGVyIHNlY3JldCBwYXNzd29yZCExMjM0IyQlCgo=\n-----END PRIVATE KEY-----",
    ["private_key"], DS + "private_key_test.py")

# ---------------------------------------------------------------- 2. generated positives
def wrap_json(key, value):
    return json.dumps({"id": R.randrange(10**6), key: value, "status": R.choice(["ok", "done"])})

NETS = [("4", 16, "visa"), ("4", 13, "visa"), ("51", 16, "mc"), ("55", 16, "mc"), ("2221", 16, "mc"),
        ("2720", 16, "mc"), ("34", 15, "amex"), ("37", 15, "amex"), ("6011", 16, "discover"), ("65", 16, "discover"),
        ("3530", 16, "jcb"), ("36", 14, "diners"), ("62", 16, "unionpay"), ("6759", 16, "maestro"), ("4", 19, "visa")]
for i in range(60):
    pre, n, net = NETS[i % len(NETS)]
    pan = luhn_complete(pre, n)
    style = i % 4
    if style == 1 and n == 16:
        pan = " ".join(pan[j:j + 4] for j in range(0, 16, 4))
    elif style == 2 and n == 16:
        pan = "-".join(pan[j:j + 4] for j in range(0, 16, 4))
    elif style == 1 and n == 15:
        pan = pan[:4] + " " + pan[4:10] + " " + pan[10:]
    text = R.choice([wrap_json("card_number", pan), "card=" + pan + "&exp=12/29", "Paid with " + pan + ".",
                     json.dumps({"payment": {"pan": pan, "cvv": "123"}})])
    add(text, ["credit_card"], f"generated: Luhn-valid {net} PAN, issuer range per network tables")

for i in range(40):
    area = R.choice([R.randrange(1, 665), R.randrange(667, 900)])
    ssn = f"{area:03d}-{R.randrange(1, 100):02d}-{R.randrange(1, 10000):04d}"
    text = R.choice([wrap_json("ssn", ssn), "SSN: " + ssn, "employee ssn=" + ssn + "&dept=7"])
    add(text, ["ssn"], "generated: SSN with valid area/group/serial (after presidio us_ssn formats)")
for i in range(6):
    add(wrap_json("ssn", f"{R.randrange(100, 665):03d}{R.randrange(10, 99):02d}{R.randrange(1000, 9999):04d}"), ["ssn"],
        "generated: undashed SSN under an ssn key")

COUNTRY = [("+1", 10), ("+44", 10), ("+49", 11), ("+33", 9), ("+61", 9), ("+81", 10), ("+91", 10), ("+55", 11), ("+34", 9), ("+972", 9)]
for i in range(40):
    cc, n = COUNTRY[i % len(COUNTRY)]
    num = str(R.randrange(1, 10)) + "".join(R.choice(string.digits) for _ in range(n - 1))
    style = i % 3
    if style == 0:
        p = cc + num
    elif style == 1:
        p = cc + " " + num[:3] + " " + num[3:6] + " " + num[6:]
    else:
        p = cc + "-" + num[:3] + "-" + num[3:6] + "-" + num[6:]
    text = R.choice([wrap_json("phone", p), "call me at " + p, "msisdn=" + p.replace("+", "%2B")])
    add(text, ["phone"], "generated: E.164 / international format")
for i in range(20):
    a, b, c = R.randrange(200, 1000), R.randrange(200, 1000), R.randrange(0, 10000)
    p = R.choice([f"({a}) {b}-{c:04d}", f"{a}-{b}-{c:04d}", f"{a}.{b}.{c:04d}", f"1-{a}-{b}-{c:04d}"])
    add(R.choice(["Phone: " + p, wrap_json("contact_phone", p), "reach us on " + p + " today"]), ["phone"],
        "generated: NANP formatted number")

IBANS = [("DE", "8N10N"), ("GB", "4A14N"), ("FR", "10N11C2N"), ("NL", "4A10N"), ("ES", "20N"), ("IT", "1A10N12C"),
         ("BE", "12N"), ("CH", "5N12C"), ("PL", "24N"), ("SE", "20N"), ("AT", "16N"), ("NO", "11N")]

def bban(spec):
    out, num = "", ""
    for ch in spec:
        if ch.isdigit():
            num += ch
        else:
            k = int(num); num = ""
            alpha = {"N": string.digits, "A": string.ascii_uppercase, "C": string.ascii_uppercase + string.digits}[ch]
            out += "".join(R.choice(alpha) for _ in range(k))
    return out

def iban_make(cc, b):
    digits = "".join(str(int(c, 36)) for c in b + cc + "00")
    return cc + f"{98 - int(digits) % 97:02d}" + b

for i in range(30):
    cc, spec = IBANS[i % len(IBANS)]
    ib = iban_make(cc, bban(spec))
    if i % 2:
        ib = " ".join(ib[j:j + 4] for j in range(0, len(ib), 4))
    add(R.choice([wrap_json("iban", ib), "Please transfer to " + ib + " by Friday.", "account=" + ib.replace(" ", "")]),
        ["iban"], "generated: IBAN with registered length and mod-97 check digits")

DOMAINS = ["example.com", "mail.example.org", "corp.example.co.uk", "example.io", "uni.example.edu"]
for i in range(25):
    local = R.choice(["john.doe", "j_smith", "alice+news", "bob", "user" + str(R.randrange(10**5)), "first.last-ops", "x"])
    e = local + "@" + R.choice(DOMAINS)
    add(R.choice([wrap_json("email", e), "contact: " + e, "to=" + e.replace("@", "%40") + "&lang=en",
                  f"<a href=\"mailto:{e}\">mail</a>"]), ["email"], "generated: email address")

def jwt_make(alg):
    header = {"alg": alg, "typ": "JWT"} if R.random() < 0.7 else {"typ": "JWT", "alg": alg, "kid": rnd(8)}
    payload = {"sub": str(R.randrange(10**6)), "iat": 1700000000 + R.randrange(10**7), "scope": "read write"}
    siglen = {"HS256": 32, "RS256": 256, "ES256": 64}[alg]
    return ".".join([b64u(json.dumps(header, separators=(",", ":")).encode()),
                     b64u(json.dumps(payload, separators=(",", ":")).encode()), b64u(R.randbytes(siglen))])

for i in range(20):
    t = jwt_make(R.choice(["HS256", "RS256", "ES256"]))
    add(R.choice(["Authorization: Bearer " + t, wrap_json("access_token", t), "?token=" + t + "&x=1", t]), ["jwt"],
        "generated: signed JWT (header with alg, JSON claims)")

def sample(identifier, secret):
    """gitleaks utils.GenerateSampleSecrets-style wrappers."""
    forms = ['{i}Token="{s}"', '{i}Token = {s}', '{{\n    "{i}_token": "{s}"\n}}', "<{i}Token>{s}</{i}Token>",
             "{i}_token: '{s}'", 'String {i}Token = "{s}";', "{i}Token := `{s}`", '{i}_TOKEN ?= "{s}"',
             '  "{i}Token" => "{s}"', "{i}Token,{s},"]
    return R.choice(forms).format(i=identifier, s=secret)

B32 = string.ascii_uppercase + "234567"
GEN_SECRETS = [
    ("aws", lambda: R.choice(["AKIA", "ASIA", "ABIA", "ACCA"]) + rnd(16, B32), "aws.go"),
    ("github", lambda: R.choice(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]) + rnd(36), "github.go"),
    ("slack", lambda: f"xoxb-{rnd(13, string.digits)}-{rnd(12, string.digits)}-{rnd(24)}", "slack.go"),
    ("stripe", lambda: R.choice(["sk_live_", "sk_test_", "rk_live_"]) + rnd(R.choice([24, 30, 99])), "stripe.go"),
    ("gcp", lambda: "AIza" + rnd(35, ALNUM + "_-"), "gcp.go"),
    ("openai", lambda: "sk-" + rnd(20) + "T3BlbkFJ" + rnd(20), "openai.go"),
    ("gitlab", lambda: "glpat-" + rnd(20), "gitlab.go"),
    ("sendgrid", lambda: "SG." + rnd(22, ALNUM + "_-") + "." + rnd(43, ALNUM + "_-"), "sendgrid.go"),
    ("npm", lambda: "npm_" + rnd(36), "npm.go"),
    ("generic", lambda: rnd(R.choice([30, 40, 60])), "generic.go"),
]
for i in range(70):
    ident, make, f = GEN_SECRETS[i % len(GEN_SECRETS)]
    add(sample(ident, make()), ["api_key"], f"generated: {ident} token in a GenerateSampleSecrets wrapper (after {GL}{f})")
for i in range(10):
    add(rnd(R.choice([32, 40, 48, 64])), ["api_key"], "generated: bare random base62 token (32+ chars, after detect-secrets high_entropy)")

def pem(label, nbytes, escaped=False, newline="\n"):
    body = base64.b64encode(R.randbytes(nbytes)).decode()
    lines = [body[j:j + 64] for j in range(0, len(body), 64)]
    block = newline.join([f"-----BEGIN {label}-----"] + lines + [f"-----END {label}-----"])
    return json.dumps({"private_key": block}) if escaped else block

for i, label in enumerate(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY",
                           "ENCRYPTED PRIVATE KEY", "DSA PRIVATE KEY", "PGP PRIVATE KEY BLOCK", "RSA PRIVATE KEY"]):
    add(pem(label, R.choice([121, 600, 1190]), escaped=i % 2 == 1), ["private_key"], "generated: PEM private key block")

for i in range(25):
    if i % 2:
        parts = [f"{R.randrange(0x10000):x}" for _ in range(8)]
        ip = ":".join(parts)
    else:
        ip = f"{R.randrange(1, 224)}.{R.randrange(256)}.{R.randrange(256)}.{R.randrange(1, 255)}"
    add(R.choice([wrap_json("client_ip", ip), "request from " + ip + " blocked", "X-Forwarded-For: " + ip]),
        ["ip_address"], "generated: IPv4/IPv6 address")

# mixed bodies with several types
for i in range(15):
    e = "user%d@example.com" % R.randrange(10**4)
    pan = luhn_complete("4", 16)
    add(json.dumps({"email": e, "card": pan, "note": "lorem ipsum"}), ["email", "credit_card"], "generated: mixed body")

# ---------------------------------------------------------------- 3. look-alikes
LA = "own look-alike"
for i in range(20):
    add(wrap_json("created_at_ms", 1700000000000 + R.randrange(10**11)), [], LA + ": epoch milliseconds")
    add(json.dumps({"ts": 1700000000 + R.randrange(10**8), "event": "login"}), [], LA + ": epoch seconds")
for i in range(10):
    add(json.dumps({"t_us": 1700000000000000 + R.randrange(10**14)}), [], LA + ": epoch microseconds")
    add(json.dumps({"order_id": R.randrange(10**15, 10**16)}), [], LA + ": 16-digit order id under an id key")
    add(json.dumps({"id": 1 << 60 | R.randrange(1 << 59)}), [], LA + ": snowflake id")
for i in range(10):
    add(f'{{"amount": {R.randrange(10**6)}.{R.randrange(10**12):012d}}}', [], LA + ": digits after a decimal point")
    add(f"pi={R.randrange(1, 9)}.{''.join(R.choice(string.digits) for _ in range(16))}", [], LA + ": long decimal fraction")
for i in range(10):
    u = "%08x-%04x-%04x-%04x-%012x" % tuple(R.getrandbits(b) for b in (32, 16, 16, 16, 48))
    add(R.choice([wrap_json("request_id", u), "/api/v1/users/" + u + "/items", u, u.upper(), u.replace("-", "")]), [], LA + ": UUID")
for i in range(10):
    add(R.choice(["commit %040x" % R.getrandbits(160), '"sha256": "%064x"' % R.getrandbits(256), "md5 %032x" % R.getrandbits(128),
                  "etag: W/\"%032x\"" % R.getrandbits(128), "/api/v2/files/%024x" % R.getrandbits(96)]), [], LA + ": hex hash / id")
for t in ["version 1.2.3.4", "v10.0.1", '{"version": "1.2.3.4"}', "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36",
          "release 2.4.10.3 is out", "lodash@4.17.21", "OID 1.3.6.1.4.1.311.21.7", "build 20240611.1.2.3", "app_ver=3.2.1.0",
          "python 3.12.1", "section 4.2.1.3 of the spec", "firmware 1.0.0.12"]:
    add(t, [], LA + ": version string")
for t in ["getUserAccountSettingsForTenantNumber2", "AbstractSingletonProxyFactoryBeanProvider", "handleIncomingWebhookRequestV2Async",
          "com.example.payments.service.InvoiceReconciliationJob", "ThisIsAVeryLongCamelCaseIdentifierName99",
          "XMLHttpRequestEventTargetPrototype2", "kubernetes.io/service-account.name", "MAX_CONNECTIONS_PER_HOST_DEFAULT_2"]:
    add(t, [], LA + ": identifier")
for t in ["a" * 40, "ABABABABABABABABABABABABABABABABABAB", "1111111111111111", "0000-0000-0000-0000", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
          "=" * 40, "-" * 40, "abcabcabcabcabcabcabcabcabcabcabcabc", "123456789012345678901234567890"]:
    add(t, [], LA + ": low-entropy repeat")
add('<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==">', [], LA + ": base64 image")
add(json.dumps({"thumbnail": "data:image/jpeg;base64," + base64.b64encode(R.randbytes(300)).decode()}), [], LA + ": base64 image")
for t in ["color: #ff00aa;", "background:#1E90FF", "ISBN 978-3-16-148410-0", "ISBN 9783161484100", "2024-06-11T10:30:00+02:00",
          "2024-06-11 10:30:00.123456", "12/25/2024", "Tracking 1Z999AA10123456784", "price 1234.56 USD", "lat 40.712776, lon -74.005974",
          "call extension 1234", "room 12-34-5678", "serial 123-456-789", "zip 94105-1234", "part no. 4000-1234-5678",
          "order #12345678901234", "invoice 2024-000123", "id=4111111111111112", "0.4111111111111111",
          "1.4111111111111111e10", "version=4111111111111111.2", "+0530", "+1.5", "2+2=4", "sum of 1234567890 and 2345678901",
          "{\"count\": 1234567890123}", "phone: 5551234567", "digits 123456789012", "ratio 1:2:3:4:5:6:7:8",
          "time 10:30:00", "MAC 00:1A:2B:3C:4D:5E", "std::vector<int>", "a::b", "user@localhost", "logo@2x.png",
          "@angular/core", "git@github", "node-v18.17.1-linux-x64", "width=1920&height=1080", "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
          "pk_test_TYooMQauvdEDq54NiTphI7jx", "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\nq9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n-----END PUBLIC KEY-----",
          "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUYl3QnF0c0zWg3pGmX0dN7nKq8AowCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----",
          "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----", "api_key=YOUR_API_KEY_HERE", 'token: "<your-token>"',
          "password=${DB_PASSWORD}", 'secret: "changeme"', "Authorization: Bearer abc.def.ghi",
          "/api/v1/users/{id}/items/{sub_id}", "GET /api/v2/orders/1234567/refunds HTTP/1.1",
          "https://cdn.example.com/assets/app.9f86d081884c7d659a2feaa0c55ad015.js", "lorem ipsum dolor sit amet " * 5,
          "Das Büro öffnet um 9 Uhr; Preis 12,50 €", "東京都渋谷区 電話番号なし", "SELECT * FROM users WHERE id = 4111111111111110"]:
    add(t, [], LA + ": assorted")

for d in OUT:
    sys.stdout.write(json.dumps(d, ensure_ascii=False) + "\n")
