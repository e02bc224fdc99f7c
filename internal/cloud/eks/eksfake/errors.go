package eksfake

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
)

// ErrIDTokenExpired, wrapped by a VerifyIDToken error, makes the fake answer
// ExpiredTokenException (as STS does for an expired web identity token).
var ErrIDTokenExpired = errors.New("eksfake: web identity token expired")

// APIError is an AWS error answer.
type APIError struct {
	Status  int    // HTTP status
	Code    string // e.g. AccessDenied
	Message string
}

// Errors STS and EKS really answer, ready for InjectError.
var (
	AccessDenied = APIError{http.StatusForbidden, "AccessDenied",
		"Not authorized to perform sts:AssumeRoleWithWebIdentity"}
	ExpiredWebIdentityToken = APIError{http.StatusBadRequest, "ExpiredTokenException",
		"Token expired: current date/time 1700000400 must be before the expiration date/time 1700000300"}
	InvalidIdentityToken = APIError{http.StatusBadRequest, "InvalidIdentityToken",
		"Incorrect token audience"}
	NoOpenIDConnectProvider = APIError{http.StatusBadRequest, "InvalidIdentityToken",
		"No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com"}
	ExpiredToken = APIError{http.StatusForbidden, "ExpiredToken",
		"The security token included in the request is expired"}
	InvalidClientTokenID = APIError{http.StatusForbidden, "InvalidClientTokenId",
		"The security token included in the request is invalid."}
	SignatureDoesNotMatch = APIError{http.StatusForbidden, "SignatureDoesNotMatch",
		"The request signature we calculated does not match the signature you provided."}
	EKSAccessDenied = APIError{http.StatusForbidden, "AccessDeniedException",
		"User is not authorized to perform: eks:DescribeCluster"}
	ResourceNotFound = APIError{http.StatusNotFound, "ResourceNotFoundException",
		"No cluster found for name."}
)

func errorType(e APIError) string {
	if e.Status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// writeQueryError answers in the awsquery XML error shape.
func writeQueryError(w http.ResponseWriter, e APIError) {
	type errBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	body := struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Error     errBody  `xml:"Error"`
		RequestID string   `xml:"RequestId"`
	}{Xmlns: stsNS, Error: errBody{errorType(e), e.Code, e.Message}, RequestID: randomHex(8)}
	writeXML(w, e.Status, body)
}

// writeJSONError answers the presigned check's JSON error shape.
func writeJSONError(w http.ResponseWriter, e APIError) {
	writeJSON(w, e.Status, map[string]any{
		"Error":     map[string]string{"Type": errorType(e), "Code": e.Code, "Message": e.Message},
		"RequestId": randomHex(8),
	})
}

// writeRESTError answers the REST-JSON (EKS) error shape.
func writeRESTError(w http.ResponseWriter, e APIError) {
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	writeJSON(w, e.Status, map[string]string{"message": e.Message})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
