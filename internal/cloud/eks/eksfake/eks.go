package eksfake

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// servePresigned is the GET STS receives when EKS checks a bearer token.
func (f *Fake) servePresigned(w http.ResponseWriter, r *http.Request) {
	asJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	fail := func(e APIError) {
		if asJSON {
			writeJSONError(w, e)
		} else {
			writeQueryError(w, e)
		}
	}
	if e, ok := f.begin(OpPresignedGetCallerIdentity); ok {
		fail(e)
		return
	}
	q := r.URL.Query()
	if q.Get("Action") != "GetCallerIdentity" || q.Get("Version") != "2011-06-15" {
		fail(APIError{http.StatusBadRequest, "InvalidAction", "only GetCallerIdentity may be presigned here"})
		return
	}
	c, apiErr := f.verifyPresigned(r)
	if apiErr != nil {
		fail(*apiErr)
		return
	}
	id := f.identityOf(c)
	if asJSON {
		writeJSON(w, http.StatusOK, map[string]any{
			"GetCallerIdentityResponse": map[string]any{
				"GetCallerIdentityResult": id,
				"ResponseMetadata":        map[string]string{"RequestId": randomHex(8)},
			},
		})
		return
	}
	writeXML(w, http.StatusOK, struct {
		XMLName  xml.Name       `xml:"GetCallerIdentityResponse"`
		Xmlns    string         `xml:"xmlns,attr"`
		Result   callerIdentity `xml:"GetCallerIdentityResult"`
		Metadata xmlMetadata    `xml:"ResponseMetadata"`
	}{Xmlns: stsNS, Result: id, Metadata: xmlMetadata{randomHex(8)}})
}

// serveDescribeCluster is EKS DescribeCluster, GET /clusters/{name}.
func (f *Fake) serveDescribeCluster(w http.ResponseWriter, r *http.Request, name string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if e, ok := f.begin(OpDescribeCluster); ok {
		writeRESTError(w, e)
		return
	}
	if _, apiErr := f.verifyHeaderSigned(r, body, "eks"); apiErr != nil {
		e := *apiErr
		if e.Code == "SignatureDoesNotMatch" {
			e.Code = "InvalidSignatureException"
		} else {
			e.Code = "UnrecognizedClientException"
		}
		writeRESTError(w, e)
		return
	}
	f.mu.Lock()
	c, ok := f.clusters[name]
	f.mu.Unlock()
	if !ok {
		writeRESTError(w, APIError{http.StatusNotFound, "ResourceNotFoundException",
			fmt.Sprintf("No cluster found for name: %s.", name)})
		return
	}
	region := "us-east-1"
	if sc, ok := parseScope(credentialOf(r.Header.Get("Authorization"))); ok {
		region = sc.region
	}
	writeJSON(w, http.StatusOK, map[string]any{"cluster": map[string]any{
		"name":     c.Name,
		"arn":      fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", region, f.o.Account, c.Name),
		"endpoint": c.Endpoint,
		"status":   c.Status,
		"version":  "1.37",
		"certificateAuthority": map[string]string{
			"data": base64.StdEncoding.EncodeToString(c.CAPEM),
		},
		"accessConfig": map[string]string{"authenticationMode": "API"},
	}})
}

func credentialOf(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, ",")
	return v
}
