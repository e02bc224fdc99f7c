package eks

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// Endpoint reads the API server URL and CA from eks:DescribeCluster.
func (p *Provider) Endpoint(ctx context.Context) (string, []byte, error) {
	out, err := p.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(p.o.Cluster)})
	if err != nil {
		switch awsCode(err) {
		case "ResourceNotFoundException":
			return "", nil, newUserError(ErrClusterNotFound, err, "EKS cluster %q was not found in region %s: check the cluster name and region inputs",
				p.o.Cluster, p.o.Region)
		case "AccessDeniedException", "AccessDenied":
			return "", nil, newUserError(ErrAccessDenied, err, "%s may not call eks:DescribeCluster on cluster %q: allow it in the IAM policy, "+
				"or give the API server URL and CA in the action's inputs", p.who(), p.o.Cluster)
		}
		return "", nil, p.explain(fmt.Sprintf("describing EKS cluster %q", p.o.Cluster), err)
	}
	c := out.Cluster
	if c == nil {
		return "", nil, fmt.Errorf("describing EKS cluster %q: the answer has no cluster", p.o.Cluster)
	}
	if c.Status != types.ClusterStatusActive && c.Status != types.ClusterStatusUpdating {
		return "", nil, newUserError(ErrClusterNotReady, nil, "EKS cluster %q is %s: it must be ACTIVE (or UPDATING) to deploy to it",
			p.o.Cluster, c.Status)
	}
	server := aws.ToString(c.Endpoint)
	if server == "" {
		return "", nil, fmt.Errorf("EKS cluster %q has no endpoint yet", p.o.Cluster)
	}
	if c.CertificateAuthority == nil || aws.ToString(c.CertificateAuthority.Data) == "" {
		return "", nil, fmt.Errorf("EKS cluster %q has no certificate authority data", p.o.Cluster)
	}
	ca, err := base64.StdEncoding.DecodeString(aws.ToString(c.CertificateAuthority.Data))
	if err != nil {
		return "", nil, fmt.Errorf("EKS cluster %q: certificateAuthority.data is not base64: %w", p.o.Cluster, err)
	}
	if block, _ := pem.Decode(ca); block == nil {
		return "", nil, fmt.Errorf("EKS cluster %q: certificateAuthority.data is not PEM", p.o.Cluster)
	}
	return server, ca, nil
}

// who names the principal for messages.
func (p *Provider) who() string {
	if p.o.RoleARN != "" {
		return "role " + p.o.RoleARN
	}
	if id := p.Identity(); id != "" {
		return id
	}
	return "the AWS credentials in the environment"
}
