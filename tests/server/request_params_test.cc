// Request parameters: query strings, form bodies, multipart bodies, case-insensitive names.
#include "server/internal/request_params.h"

#include <gtest/gtest.h>

namespace skyshard::server {
namespace {

TEST(RequestParamsTest, QueryAndFormAreMergedAndCaseInsensitive) {
  HttpRequest req;
  req.method = "POST";
  req.query = "lang=ADQL&Query=SELECT+%2A+FROM+t";
  req.headers = {{"content-type", "application/x-www-form-urlencoded; charset=UTF-8"}};
  req.body = "MAXREC=10&UPLOAD=a,param:a&upload=b,param:b&empty=&flag";
  Result<RequestParams> p = RequestParams::FromRequest(req);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->GetSingle("LANG").value(), "ADQL");
  EXPECT_EQ(*p->GetSingle("query").value(), "SELECT * FROM t");
  EXPECT_EQ(p->GetAll("UPLOAD").size(), 2u);
  EXPECT_EQ(*p->GetSingle("EMPTY").value(), "");
  EXPECT_TRUE(p->Has("flag"));
  EXPECT_FALSE(p->GetSingle("missing").value().has_value());
  req.body = "MAXREC=1&maxrec=2";
  EXPECT_FALSE(RequestParams::FromRequest(req)->GetSingle("MAXREC").ok());
  req.body = "bad=%zz";
  EXPECT_FALSE(RequestParams::FromRequest(req).ok());
}

TEST(RequestParamsTest, Multipart) {
  HttpRequest req;
  req.method = "POST";
  req.headers = {{"Content-Type", "multipart/form-data; boundary=\"b0undary\""}};
  req.body =
      "preamble\r\n--b0undary\r\nContent-Disposition: form-data; name=\"LANG\"\r\n\r\nADQL\r\n"
      "--b0undary\r\nContent-Disposition: form-data; name=\"t1\"; filename=\"a;b.xml\"\r\n"
      "Content-Type: text/xml\r\n\r\n<VOTABLE>\r\n--b0undar</VOTABLE>\r\n--b0undary--\r\n";
  Result<RequestParams> p = RequestParams::FromRequest(req);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p->GetSingle("lang").value(), "ADQL");
  const InlinePart* part = p->FindPart("t1");
  ASSERT_NE(part, nullptr);
  EXPECT_EQ(part->filename, "a;b.xml");
  EXPECT_EQ(part->content, "<VOTABLE>\r\n--b0undar</VOTABLE>");
  EXPECT_FALSE(p->Has("t1"));
  for (const char* bad :
       {"--b0undary\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b0undary--",
        "--b0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx", "no boundary here"}) {
    req.body = bad;
    EXPECT_FALSE(RequestParams::FromRequest(req).ok()) << bad;
  }
}

// The parameter limit stops the parse where it is passed: the malformed parameter after the
// limit is never reached (before the fix a body of a million "a&" made a million Params first).
TEST(RequestParamsTest, ParameterLimitStopsTheParse) {
  HttpRequest req;
  req.method = "POST";
  req.query = "x=1";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  std::string many;
  for (int i = 0; i < 100; ++i) many += "a&";
  req.body = many + "bad=%zz";
  EXPECT_EQ(RequestParams::FromRequest(req, 1000).status().code(), StatusCode::kInvalidArgument);
  Result<RequestParams> p = RequestParams::FromRequest(req, 10);
  EXPECT_EQ(p.status().code(), StatusCode::kLimitExceeded) << p.status().ToString();
  req.body = many;
  EXPECT_EQ(RequestParams::FromRequest(req, 101)->all().size(), 101u);
  EXPECT_EQ(RequestParams::FromRequest(req, 100).status().code(), StatusCode::kLimitExceeded);

  std::string parts;
  for (int i = 0; i < 100; ++i) {
    parts += "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\nx\r\n";
  }
  req.headers = {{"Content-Type", "multipart/form-data; boundary=b"}};
  req.body = parts + "--b\r\nno colon\r\n\r\nx\r\n--b--\r\n";
  EXPECT_EQ(RequestParams::FromRequest(req, 1000).status().code(), StatusCode::kInvalidArgument);
  p = RequestParams::FromRequest(req, 10);
  EXPECT_EQ(p.status().code(), StatusCode::kLimitExceeded) << p.status().ToString();
  req.body = parts + "--b--\r\n";
  p = RequestParams::FromRequest(req, 101);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->parts().size(), 100u);
  EXPECT_EQ(p->all().size(), 1u);
  EXPECT_EQ(RequestParams::FromRequest(req, 100).status().code(), StatusCode::kLimitExceeded);
}

}  // namespace
}  // namespace skyshard::server
