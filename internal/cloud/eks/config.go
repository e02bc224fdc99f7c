package eks

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/logging"
)

// awsConfig builds the SDK configuration by hand instead of with
// config.LoadDefaultConfig: that one reads the process environment directly
// (os.Getenv, ~/.aws) and fails outright when AWS_CA_BUNDLE is set and an
// *http.Client is given. Here every setting the action honours comes through
// o.Getenv:
//
//   - AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_EKS / AWS_ENDPOINT_URL (unless
//     AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true) when STSEndpoint/EKSEndpoint are empty;
//   - AWS_CA_BUNDLE when HTTPClient is nil (a given client decides TLS itself);
//   - AWS_USE_FIPS_ENDPOINT and AWS_USE_DUALSTACK_ENDPOINT.
func awsConfig(o Options, creds aws.CredentialsProvider) (aws.Config, error) {
	cfg := aws.Config{
		Region:           o.Region,
		Credentials:      creds,
		Logger:           logging.Nop{},
		RetryMaxAttempts: o.MaxAttempts,
	}
	switch {
	case o.HTTPClient != nil:
		cfg.HTTPClient = o.HTTPClient
	case o.Getenv("AWS_CA_BUNDLE") != "":
		client, err := caBundleClient(o.Getenv("AWS_CA_BUNDLE"))
		if err != nil {
			return aws.Config{}, err
		}
		cfg.HTTPClient = client
	}
	return cfg, nil
}

func caBundleClient(path string) (*awshttp.BuildableClient, error) {
	pemCerts, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading AWS_CA_BUNDLE: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemCerts) {
		return nil, fmt.Errorf("AWS_CA_BUNDLE %s holds no PEM certificate", path)
	}
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		tr.TLSClientConfig.RootCAs = pool
	}), nil
}

// endpoint is the base endpoint for service ("STS" or "EKS"): the explicit
// option, else the AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL variables,
// else "" (the SDK's regional endpoint).
func endpoint(o Options, explicit, service string) *string {
	if explicit != "" {
		return aws.String(explicit)
	}
	if strings.EqualFold(o.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return nil
	}
	for _, k := range []string{"AWS_ENDPOINT_URL_" + service, "AWS_ENDPOINT_URL"} {
		if v := o.Getenv(k); v != "" {
			return aws.String(v)
		}
	}
	return nil
}

// fips and dualStack read AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT.
func fips(o Options) aws.FIPSEndpointState {
	if strings.EqualFold(o.Getenv("AWS_USE_FIPS_ENDPOINT"), "true") {
		return aws.FIPSEndpointStateEnabled
	}
	return aws.FIPSEndpointStateUnset
}

func dualStack(o Options) aws.DualStackEndpointState {
	if strings.EqualFold(o.Getenv("AWS_USE_DUALSTACK_ENDPOINT"), "true") {
		return aws.DualStackEndpointStateEnabled
	}
	return aws.DualStackEndpointStateUnset
}
