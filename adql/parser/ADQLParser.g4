// ADQL 2.1 parser (skyshard), written from the IVOA ADQL 2.1 Recommendation's BNF.
//
// Shape of the grammar:
//  - Binary operators are flat lists (`a + b - c` is one additiveExpr with three operands), not
//    left-recursive rules, so that a long chain of operators makes a wide parse tree, never a
//    deep one. Tree depth (and parser recursion) grows only with parentheses and CASE, which
//    parser.cc bounds before parsing.
//  - Value expressions are untyped (numeric, string and geometry expressions share one rule);
//    the BNF's type-specific constraints that a parser can check without a catalog (literal
//    kinds in geometry constructors, function arities) are checked after parsing
//    (internal/syntax_checks.cc).
//  - Search conditions are separate from value expressions, as in the BNF: a bare value (a
//    function call, a column) is not a condition, so `WHERE CONTAINS(p, c)` needs `= 1`.
//  - WITH is allowed at the top of the query only (not in subqueries nor in CTE bodies), as
//    ADQL 2.1 says.
// Extensions beyond the BNF: CASE (simple and searched), LIKE/ILIKE ... ESCAPE, CROSS JOIN,
// hexadecimal literals and the bitwise operators & | ^ ~ (ADQL 2.1 optional features), `*`
// anywhere in the select list.
parser grammar ADQLParser;

options { tokenVocab = ADQLLexer; }

query : withClause? selectExpression EOF ;

// ---- Query structure -----------------------------------------------------------------------

withClause : WITH withQuery (COMMA withQuery)* ;

withQuery : identifier (LPAREN columnNameList RPAREN)? AS LPAREN selectExpression RPAREN ;

selectExpression : querySetExpression orderByClause? offsetClause? ;

querySetExpression : querySetTerm (setOperator querySetTerm)* ;

setOperator : (UNION | EXCEPT) ALL? ;

querySetTerm : querySetPrimary (INTERSECT ALL? querySetPrimary)* ;

querySetPrimary
  : selectQuery
  | LPAREN selectExpression RPAREN
  ;

selectQuery
  : SELECT setQuantifier? topClause? selectList fromClause whereClause? groupByClause?
    havingClause?
  ;

setQuantifier : ALL | DISTINCT ;

topClause : TOP UNSIGNED_INTEGER ;

selectList : selectItem (COMMA selectItem)* ;

selectItem
  : ASTERISK                              # selectAll
  | qualifiedName DOT ASTERISK            # selectAllOf
  | valueExpression (AS? identifier)?     # selectValue
  ;

fromClause : FROM tableReference (COMMA tableReference)* ;

// A table followed by any number of joins, left to right.
tableReference : tablePrimary joinPart* ;

joinPart
  : CROSS JOIN tablePrimary                                 # crossJoin
  | NATURAL joinType? JOIN tablePrimary                     # naturalJoin
  | joinType? JOIN tablePrimary joinSpecification           # qualifiedJoin
  ;

joinType
  : INNER
  | (LEFT | RIGHT | FULL) OUTER?
  ;

joinSpecification
  : ON searchCondition                                      # joinOn
  | USING LPAREN columnNameList RPAREN                      # joinUsing
  ;

tablePrimary
  : qualifiedName correlation?                              # namedTable
  | subquery correlation                                    # derivedTable
  | LPAREN tableReference RPAREN                            # parenthesizedJoin
  ;

correlation : AS? identifier ;

columnNameList : identifier (COMMA identifier)* ;

whereClause : WHERE searchCondition ;

groupByClause : GROUP BY valueExpression (COMMA valueExpression)* ;

havingClause : HAVING searchCondition ;

orderByClause : ORDER BY orderItem (COMMA orderItem)* ;

// An output column's position, its alias, or any expression.
orderItem : valueExpression (ASC | DESC)? ;

offsetClause : OFFSET UNSIGNED_INTEGER ;

subquery : LPAREN selectExpression RPAREN ;

// ---- Search conditions ---------------------------------------------------------------------

searchCondition : booleanTerm (OR booleanTerm)* ;

booleanTerm : booleanFactor (AND booleanFactor)* ;

booleanFactor : NOT? booleanPrimary ;

booleanPrimary
  : LPAREN searchCondition RPAREN                           # parenthesizedCondition
  | EXISTS subquery                                         # existsPredicate
  | valueExpression predicateTail                           # predicate
  ;

predicateTail
  : comparisonOperator valueExpression                                      # comparison
  | NOT? BETWEEN valueExpression AND valueExpression                        # between
  | NOT? (LIKE | ILIKE) valueExpression (ESCAPE valueExpression)?           # like
  | NOT? IN subquery                                                        # inSubquery
  | NOT? IN LPAREN valueExpression (COMMA valueExpression)* RPAREN          # inList
  | IS NOT? NULL_                                                            # isNull
  ;

comparisonOperator
  : EQUALS | NOT_EQUALS | LESS | GREATER | LESS_EQUALS | GREATER_EQUALS
  ;

// ---- Value expressions, lowest precedence first ---------------------------------------------

valueExpression : bitwiseExpr (CONCAT bitwiseExpr)* ;

bitwiseExpr : additiveExpr ((AMPERSAND | VERTICAL_BAR | CIRCUMFLEX) additiveExpr)* ;

additiveExpr : multiplicativeExpr ((PLUS | MINUS) multiplicativeExpr)* ;

multiplicativeExpr : unaryExpr ((ASTERISK | SOLIDUS) unaryExpr)* ;

// One sign at most, as in the BNF (`- -x` is not ADQL; `--` starts a comment anyway).
unaryExpr : (PLUS | MINUS | TILDE)? primary ;

primary
  : literal                                                 # literalValue
  | NULL_                                                    # nullValue
  | setFunction                                             # aggregate
  | CAST LPAREN valueExpression AS castTarget RPAREN        # cast
  | COALESCE LPAREN valueExpression (COMMA valueExpression)* RPAREN   # coalesce
  | caseExpression                                          # case
  | subquery                                                # scalarSubquery
  | LPAREN valueExpression RPAREN                           # parenthesizedValue
  | mathFunction                                            # math
  | stringFunction                                          # string
  | geometryFunction                                        # geometry
  | userDefinedFunction                                     # udf
  | columnReference                                         # column
  ;

literal
  : UNSIGNED_INTEGER
  | EXACT_DECIMAL
  | APPROX_NUMBER
  | HEX_LITERAL
  | stringLiteral
  ;

// Adjacent string literals are one string (SQL's continuation form).
stringLiteral : STRING+ ;

setFunction
  : COUNT LPAREN ASTERISK RPAREN                                              # countAll
  | (COUNT | SUM | AVG | MIN | MAX) LPAREN setQuantifier? valueExpression RPAREN # generalSetFunction
  ;

castTarget
  : SMALLINT
  | INTEGER
  | BIGINT
  | REAL
  | DOUBLE PRECISION
  | (CHAR | VARCHAR) (LPAREN UNSIGNED_INTEGER RPAREN)?
  | TIMESTAMP
  | POINT
  | CIRCLE
  | POLYGON
  ;

caseExpression
  : CASE valueExpression (WHEN valueExpression THEN valueExpression)+
    (ELSE valueExpression)? END                                               # simpleCase
  | CASE (WHEN searchCondition THEN valueExpression)+ (ELSE valueExpression)? END # searchedCase
  ;

mathFunction
  : (ABS | CEILING | DEGREES | EXP | FLOOR | LOG | LOG10 | RADIANS | SQRT
    | ACOS | ASIN | ATAN | COS | COT | SIN | TAN) LPAREN valueExpression RPAREN
  | (MOD | POWER | ATAN2) LPAREN valueExpression COMMA valueExpression RPAREN
  | PI LPAREN RPAREN
  | RAND LPAREN valueExpression? RPAREN
  | (ROUND | TRUNCATE) LPAREN valueExpression (COMMA valueExpression)? RPAREN
  ;

stringFunction
  : (LOWER | UPPER) LPAREN valueExpression RPAREN
  | IN_UNIT LPAREN valueExpression COMMA stringLiteral RPAREN
  ;

// Arities are in the grammar; which argument may be a coordinate system, a coordinate or a
// point is checked after parsing (the forms overlap: CIRCLE(a, b, c) is either x, y, radius or
// coordsys, centre point, radius).
geometryFunction
  : POINT LPAREN valueExpression COMMA valueExpression (COMMA valueExpression)? RPAREN
  | CIRCLE LPAREN valueExpression COMMA valueExpression
    (COMMA valueExpression (COMMA valueExpression)?)? RPAREN
  | BOX LPAREN valueExpression COMMA valueExpression COMMA valueExpression
    (COMMA valueExpression (COMMA valueExpression)?)? RPAREN
  | POLYGON LPAREN valueExpression (COMMA valueExpression)+ RPAREN
  | REGION LPAREN stringLiteral RPAREN
  | (CONTAINS | INTERSECTS) LPAREN valueExpression COMMA valueExpression RPAREN
  | DISTANCE LPAREN valueExpression COMMA valueExpression
    (COMMA valueExpression COMMA valueExpression)? RPAREN
  | (AREA | CENTROID | COORD1 | COORD2 | COORDSYS) LPAREN valueExpression RPAREN
  ;

// Any regular identifier followed by an argument list: ivo_healpix_index(...), scisql_s2PtInCircle(...).
userDefinedFunction
  : REGULAR_ID LPAREN (valueExpression (COMMA valueExpression)*)? RPAREN
  ;

// [catalog.][schema.]table.column, or shorter.
columnReference : qualifiedName ;

// [catalog.][schema.]table (or a column reference's qualifier).
qualifiedName : identifier (DOT identifier)* ;

identifier : REGULAR_ID | DELIMITED_ID ;
