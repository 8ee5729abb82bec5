// ADQL 2.1 lexer (skyshard). Keywords are case-insensitive: each is spelled with one-letter
// fragments. Every input character ends up in some token (ERROR_CHAR, UNTERMINATED_* catch what
// is not ADQL), so the lexer itself never reports an error: the parser sees the bad token and
// the error message can say what is wrong with it.
lexer grammar ADQLLexer;

// Layout: whitespace and '--' comments (to the end of the line or of the input).
WHITESPACE : [ \t\r\n\f\u000B]+ -> skip ;
COMMENT    : '--' ~[\r\n]* -> skip ;

// Keywords the grammar uses.
SELECT      : S E L E C T ;
ALL         : A L L ;
DISTINCT    : D I S T I N C T ;
TOP         : T O P ;
AS          : A S ;
FROM        : F R O M ;
WHERE       : W H E R E ;
GROUP       : G R O U P ;
BY          : B Y ;
HAVING      : H A V I N G ;
ORDER       : O R D E R ;
ASC         : A S C ;
DESC        : D E S C ;
OFFSET      : O F F S E T ;
UNION       : U N I O N ;
INTERSECT   : I N T E R S E C T ;
EXCEPT      : E X C E P T ;
WITH        : W I T H ;
JOIN        : J O I N ;
INNER       : I N N E R ;
LEFT        : L E F T ;
RIGHT       : R I G H T ;
FULL        : F U L L ;
OUTER       : O U T E R ;
NATURAL     : N A T U R A L ;
CROSS       : C R O S S ;
USING       : U S I N G ;
ON          : O N ;
AND         : A N D ;
OR          : O R ;
NOT         : N O T ;
BETWEEN     : B E T W E E N ;
LIKE        : L I K E ;
ILIKE       : I L I K E ;
ESCAPE      : E S C A P E ;
IN          : I N ;
EXISTS      : E X I S T S ;
IS          : I S ;
NULL_       : N U L L ;
CASE        : C A S E ;
WHEN        : W H E N ;
THEN        : T H E N ;
ELSE        : E L S E ;
END         : E N D ;
CAST        : C A S T ;
COALESCE    : C O A L E S C E ;
LOWER       : L O W E R ;
UPPER       : U P P E R ;
IN_UNIT     : I N '_' U N I T ;
ABS         : A B S ;
CEILING     : C E I L I N G ;
DEGREES     : D E G R E E S ;
EXP         : E X P ;
FLOOR       : F L O O R ;
LOG         : L O G ;
LOG10       : L O G '1' '0' ;
MOD         : M O D ;
PI          : P I ;
POWER       : P O W E R ;
RADIANS     : R A D I A N S ;
RAND        : R A N D ;
ROUND       : R O U N D ;
SQRT        : S Q R T ;
TRUNCATE    : T R U N C A T E ;
ACOS        : A C O S ;
ASIN        : A S I N ;
ATAN        : A T A N ;
ATAN2       : A T A N '2' ;
COS         : C O S ;
COT         : C O T ;
SIN         : S I N ;
TAN         : T A N ;
COUNT       : C O U N T ;
SUM         : S U M ;
AVG         : A V G ;
MIN         : M I N ;
MAX         : M A X ;
POINT       : P O I N T ;
CIRCLE      : C I R C L E ;
BOX         : B O X ;
POLYGON     : P O L Y G O N ;
REGION      : R E G I O N ;
CONTAINS    : C O N T A I N S ;
INTERSECTS  : I N T E R S E C T S ;
DISTANCE    : D I S T A N C E ;
AREA        : A R E A ;
CENTROID    : C E N T R O I D ;
COORD1      : C O O R D '1' ;
COORD2      : C O O R D '2' ;
COORDSYS    : C O O R D S Y S ;
SMALLINT    : S M A L L I N T ;
INTEGER     : I N T E G E R ;
BIGINT      : B I G I N T ;
REAL        : R E A L ;
DOUBLE      : D O U B L E ;
PRECISION   : P R E C I S I O N ;
CHAR        : C H A R ;
VARCHAR     : V A R C H A R ;
TIMESTAMP   : T I M E S T A M P ;

// The other SQL-92 reserved words: not used by ADQL, but reserved, so never a regular identifier.
RESERVED_WORD
  : A B S O L U T E
  | A C T I O N
  | A D D
  | A L L O C A T E
  | A L T E R
  | A N Y
  | A R E
  | A S S E R T I O N
  | A T
  | A U T H O R I Z A T I O N
  | B E G I N
  | B I T
  | B I T '_' L E N G T H
  | B O T H
  | C A S C A D E
  | C A S C A D E D
  | C A T A L O G
  | C H A R A C T E R
  | C H A R '_' L E N G T H
  | C H A R A C T E R '_' L E N G T H
  | C H E C K
  | C L O S E
  | C O L L A T E
  | C O L L A T I O N
  | C O L U M N
  | C O M M I T
  | C O N N E C T
  | C O N N E C T I O N
  | C O N S T R A I N T
  | C O N S T R A I N T S
  | C O N T I N U E
  | C O N V E R T
  | C O R R E S P O N D I N G
  | C R E A T E
  | C U R R E N T
  | C U R R E N T '_' D A T E
  | C U R R E N T '_' T I M E
  | C U R R E N T '_' T I M E S T A M P
  | C U R R E N T '_' U S E R
  | C U R S O R
  | D A T E
  | D A Y
  | D E A L L O C A T E
  | D E C I M A L
  | D E C L A R E
  | D E F A U L T
  | D E F E R R A B L E
  | D E F E R R E D
  | D E L E T E
  | D E S C R I B E
  | D E S C R I P T O R
  | D I A G N O S T I C S
  | D I S C O N N E C T
  | D O M A I N
  | D R O P
  | E X C E P T I O N
  | E X E C
  | E X E C U T E
  | E X T E R N A L
  | E X T R A C T
  | F A L S E
  | F E T C H
  | F I R S T
  | F L O A T
  | F O R
  | F O R E I G N
  | F O U N D
  | G E T
  | G L O B A L
  | G O
  | G O T O
  | G R A N T
  | H O U R
  | I D E N T I T Y
  | I M M E D I A T E
  | I N D I C A T O R
  | I N I T I A L L Y
  | I N P U T
  | I N S E N S I T I V E
  | I N S E R T
  | I N T
  | I N T E R V A L
  | I N T O
  | I S O L A T I O N
  | K E Y
  | L A N G U A G E
  | L A S T
  | L E A D I N G
  | L E V E L
  | L O C A L
  | M A T C H
  | M I N U T E
  | M O D U L E
  | M O N T H
  | N A M E S
  | N A T I O N A L
  | N C H A R
  | N E X T
  | N O
  | N U L L I F
  | N U M E R I C
  | O C T E T '_' L E N G T H
  | O F
  | O N L Y
  | O P E N
  | O P T I O N
  | O U T P U T
  | O V E R L A P S
  | P A D
  | P A R T I A L
  | P O S I T I O N
  | P R E P A R E
  | P R E S E R V E
  | P R I M A R Y
  | P R I O R
  | P R I V I L E G E S
  | P R O C E D U R E
  | P U B L I C
  | R E A D
  | R E F E R E N C E S
  | R E L A T I V E
  | R E S T R I C T
  | R E V O K E
  | R O L L B A C K
  | R O W S
  | S C H E M A
  | S C R O L L
  | S E C O N D
  | S E C T I O N
  | S E S S I O N
  | S E S S I O N '_' U S E R
  | S E T
  | S I Z E
  | S O M E
  | S P A C E
  | S Q L
  | S Q L C O D E
  | S Q L E R R O R
  | S Q L S T A T E
  | S U B S T R I N G
  | S Y S T E M '_' U S E R
  | T A B L E
  | T E M P O R A R Y
  | T I M E
  | T I M E Z O N E '_' H O U R
  | T I M E Z O N E '_' M I N U T E
  | T O
  | T R A I L I N G
  | T R A N S A C T I O N
  | T R A N S L A T E
  | T R A N S L A T I O N
  | T R I M
  | T R U E
  | U N I Q U E
  | U N K N O W N
  | U P D A T E
  | U S A G E
  | U S E R
  | V A L U E
  | V A L U E S
  | V A R Y I N G
  | V I E W
  | W H E N E V E R
  | W O R K
  | W R I T E
  | Y E A R
  | Z O N E
  ;

// Literals.
HEX_LITERAL      : '0' [xX] HEX_DIGIT+ ;
UNSIGNED_INTEGER : DIGIT+ ;
EXACT_DECIMAL    : DIGIT+ '.' DIGIT* | '.' DIGIT+ ;
APPROX_NUMBER    : (DIGIT+ ('.' DIGIT*)? | '.' DIGIT+) [eE] [+-]? DIGIT+ ;
STRING           : '\'' (~'\'' | '\'\'')* '\'' ;
UNTERMINATED_STRING : '\'' (~'\'' | '\'\'')* ;
// A number run into letters (2mass_id, 0x, 1e+, 10AND): SQL-92 5.2 wants a separator after a
// number, so this is one bad token, reported at its start. Defined after the literals above so
// that a tie (1e5, 0x1F) goes to them.
MALFORMED_NUMBER
  : NUMBER_PREFIX (LETTER | '_') (LETTER | DIGIT | '_')*
  | NUMBER_PREFIX [eE] [+-] (LETTER | DIGIT | '_')*
  ;

// Identifiers: a letter then letters, digits and '_'; or anything but an empty string between
// double quotes ("" inside stands for one ").
REGULAR_ID          : LETTER (LETTER | DIGIT | '_')* ;
DELIMITED_ID        : '"' (~'"' | '""')+ '"' ;
EMPTY_DELIMITED_ID  : '""' ;  // not a name; the parser reports it
UNTERMINATED_DELIMITED_ID : '"' (~'"' | '""')* ;

// Operators and punctuation.
CONCAT     : '||' ;
NOT_EQUALS : '<>' | '!=' ;
LESS_EQUALS    : '<=' ;
GREATER_EQUALS : '>=' ;
EQUALS     : '=' ;
LESS       : '<' ;
GREATER    : '>' ;
LPAREN     : '(' ;
RPAREN     : ')' ;
COMMA      : ',' ;
DOT        : '.' ;
ASTERISK   : '*' ;
SOLIDUS    : '/' ;
PLUS       : '+' ;
MINUS      : '-' ;
AMPERSAND  : '&' ;
VERTICAL_BAR : '|' ;
CIRCUMFLEX : '^' ;
TILDE      : '~' ;

// Anything else is one bad character; the parser reports it.
ERROR_CHAR : . ;

fragment DIGIT     : [0-9] ;
fragment NUMBER_PREFIX : DIGIT+ ('.' DIGIT*)? | '.' DIGIT+ ;
fragment HEX_DIGIT : [0-9a-fA-F] ;
fragment LETTER    : [a-zA-Z] ;

fragment A : [aA] ;
fragment B : [bB] ;
fragment C : [cC] ;
fragment D : [dD] ;
fragment E : [eE] ;
fragment F : [fF] ;
fragment G : [gG] ;
fragment H : [hH] ;
fragment I : [iI] ;
fragment J : [jJ] ;
fragment K : [kK] ;
fragment L : [lL] ;
fragment M : [mM] ;
fragment N : [nN] ;
fragment O : [oO] ;
fragment P : [pP] ;
fragment Q : [qQ] ;
fragment R : [rR] ;
fragment S : [sS] ;
fragment T : [tT] ;
fragment U : [uU] ;
fragment V : [vV] ;
fragment W : [wW] ;
fragment X : [xX] ;
fragment Y : [yY] ;
fragment Z : [zZ] ;
